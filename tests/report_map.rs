//! The printable coverage map of the fixture district: SVG parses, PNG decodes at the page size, and the
//! estates are painted in their score colours where the map says they are.

mod report_fixture;

use lifecircle::write::layer::Layer;
use lifecircle::report::map::{MapOptions, page_position, write_coverage_map};
use lifecircle::report::palette::SCORE_CLASSES;

fn decode(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    let mut reader = png::Decoder::new(std::io::Cursor::new(bytes)).read_info().unwrap();
    let mut pixels = vec![0; reader.output_buffer_size().unwrap()];
    let info = reader.next_frame(&mut pixels).unwrap();
    assert_eq!(info.color_type, png::ColorType::Rgba);
    (info.width, info.height, pixels)
}

#[test]
fn coverage_map_svg_and_png() {
    let dir = tempfile::tempdir().unwrap();
    let layers = report_fixture::all_layers();
    let refs: Vec<&Layer> = layers.iter().collect();
    let wording = lifecircle::report::Wording::default_profile(lifecircle::lang::Lang::Zh);
    let options = MapOptions::a4_landscape("玄武区 coverage", &wording);
    let files = write_coverage_map(dir.path(), &refs, &options, &wording).unwrap();
    assert_eq!(files.svg, dir.path().join("coverage_map.svg"));

    let svg = std::fs::read_to_string(&files.svg).unwrap();
    let doc = roxmltree::Document::parse(&svg).expect("the SVG is well-formed XML");
    assert_eq!(doc.root_element().attribute("width"), Some("1754"));

    let (width, height, pixels) = decode(&std::fs::read(&files.png).unwrap());
    assert_eq!((width, height), (1754, 1240));
    let at = |x: f64, y: f64| {
        let i = ((y.round() as usize) * width as usize + x.round() as usize) * 4;
        [pixels[i], pixels[i + 1], pixels[i + 2], pixels[i + 3]]
    };
    // Estate scores (see the fixture): (1,0) covers all three categories → 1.0, the green class; (3,1)
    // covers none → 0.0, the red class; (2,0) covers one → 1/3, the orange class. Sample each estate's
    // centre, away from outlines and labels.
    for (col, row, class) in [(1, 0, 4), (3, 1, 0), (2, 0, 1), (0, 0, 3)] {
        let (x0, y0, x1, y1) = report_fixture::estate_rect(col, row);
        let c = report_fixture::lonlat((x0 + x1) / 2.0, (y0 + y1) / 2.0);
        let (px, py) = page_position(&refs, &options, c.x, c.y).unwrap();
        let colour = SCORE_CLASSES[class].colour;
        assert_eq!(at(px, py), [colour.r, colour.g, colour.b, 255], "estate ({col},{row}) at ({px:.0},{py:.0})");
    }
    // The page background is white and opaque in the corner.
    assert_eq!(at(2.0, 2.0), [255, 255, 255, 255]);
}
