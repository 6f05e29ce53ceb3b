//! Rasterising the printable map's SVG to PNG with `resvg` (a pure-Rust SVG renderer on `tiny-skia`), so the
//! PNG is exactly the SVG's drawing.
//!
//! Text needs fonts: the system's fonts are loaded once per process through `fontdb`. The map asks for
//! `Noto Sans CJK SC` (Debian `fonts-noto-cjk`) so Chinese names render, then `DejaVu Sans`, then any sans-serif
//! face. Without any font the PNG still renders, without its text.

use crate::error::{Error, Result};
use resvg::tiny_skia::{Pixmap, Transform};
use resvg::usvg::{self, fontdb};
use std::sync::{Arc, OnceLock};

/// Font families the map's SVG names, in order of preference.
pub const MAP_FONT_FAMILIES: [&str; 2] = ["Noto Sans CJK SC", "DejaVu Sans"];

/// The system fonts, loaded once.
fn system_fonts() -> Arc<fontdb::Database> {
    static FONTS: OnceLock<Arc<fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = fontdb::Database::new();
            db.load_system_fonts();
            let available = |family: &str| db.faces().any(|f| f.families.iter().any(|(name, _)| name == family));
            if let Some(family) = MAP_FONT_FAMILIES.iter().find(|f| available(f)) {
                db.set_sans_serif_family(*family);
            }
            tracing::debug!(faces = db.len(), "fonts loaded for the printable map");
            Arc::new(db)
        })
        .clone()
}

/// Render `svg` to a PNG of `width_px` × `height_px` (the SVG is scaled to fit that size).
pub fn svg_to_png(svg: &str, width_px: u32, height_px: u32) -> Result<Vec<u8>> {
    render_with_fonts(svg, width_px, height_px, system_fonts())
}

fn render_with_fonts(svg: &str, width_px: u32, height_px: u32, fonts: Arc<fontdb::Database>) -> Result<Vec<u8>> {
    let options = usvg::Options { fontdb: fonts, ..Default::default() };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| Error::Internal(format!("the map's SVG does not parse: {e}")))?;
    let mut pixmap = Pixmap::new(width_px, height_px).ok_or_else(|| Error::Internal(format!("cannot allocate a {width_px} × {height_px} image")))?;
    let size = tree.size();
    let transform = Transform::from_scale(width_px as f32 / size.width(), height_px as f32 / size.height());
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap.encode_png().map_err(|e| Error::Internal(format!("PNG encoding failed: {e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn decode(png_bytes: &[u8]) -> (png::OutputInfo, Vec<u8>) {
        let decoder = png::Decoder::new(std::io::Cursor::new(png_bytes));
        let mut reader = decoder.read_info().unwrap();
        let mut buf = vec![0; reader.output_buffer_size().unwrap()];
        let info = reader.next_frame(&mut buf).unwrap();
        buf.truncate(info.buffer_size());
        (info, buf)
    }

    #[test]
    fn red_square_on_white_pixel_exact() {
        // 10×10 white, with the left half red: pixel (2, 5) red, pixel (7, 5) white.
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10" viewBox="0 0 10 10"><rect width="10" height="10" fill="#fff"/><rect width="5" height="10" fill="#ff0000"/></svg>"##;
        let (info, pixels) = decode(&svg_to_png(svg, 10, 10).unwrap());
        assert_eq!((info.width, info.height), (10, 10));
        assert_eq!(info.color_type, png::ColorType::Rgba);
        let at = |x: usize, y: usize| &pixels[(y * 10 + x) * 4..(y * 10 + x) * 4 + 4];
        assert_eq!(at(2, 5), &[255, 0, 0, 255]);
        assert_eq!(at(7, 5), &[255, 255, 255, 255]);
    }

    #[test]
    fn scaled_to_the_requested_size() {
        let svg = r#"<svg xmlns="http://www.w3.org/2000/svg" width="10" height="5"><rect width="10" height="5" fill="blue"/></svg>"#;
        let (info, _) = decode(&svg_to_png(svg, 40, 20).unwrap());
        assert_eq!((info.width, info.height), (40, 20));
    }

    #[test]
    fn renders_without_any_font() {
        // A machine with no fonts: the text is left out, the drawing is still there.
        let svg = r##"<svg xmlns="http://www.w3.org/2000/svg" width="20" height="10"><rect width="20" height="10" fill="#00ff00"/><text x="1" y="9" font-size="9">玄武 N</text></svg>"##;
        let png_bytes = render_with_fonts(svg, 20, 10, Arc::new(fontdb::Database::new())).unwrap();
        let (info, pixels) = decode(&png_bytes);
        assert_eq!((info.width, info.height), (20, 10));
        assert!(pixels.chunks(4).all(|p| p == [0, 255, 0, 255]), "only the green rectangle is drawn");
    }

    #[test]
    fn broken_svg_is_an_internal_error() {
        assert!(matches!(svg_to_png("<svg", 10, 10), Err(Error::Internal(_))));
    }
}
