# Writes tests/data/issue15-land.opl (hand-made, synthetic, near Nanjing); then
#   osmium cat -F opl issue15-land.opl -o issue15-land.osm.pbf -f pbf,add_metadata=false
import math
LON0, LAT0 = 118.79, 32.05
M_LAT = 1/111320.0
M_LON = 1/(111320.0*math.cos(math.radians(LAT0)))
nodes = []  # (id, x, y, tags)
ways = []   # (id, [node ids], tags)
nid = [0]
seen = {}
def node(x, y, tags=None):
    if not tags and (x, y) in seen:
        return seen[(x, y)]
    nid[0] += 1
    seen[(x, y)] = nid[0]
    nodes.append((nid[0], x, y, tags or {}))
    return nid[0]
def rect(wid, x0, y0, x1, y1, tags):
    a = node(x0, y0); b = node(x1, y0); c = node(x1, y1); d = node(x0, y1)
    ways.append((wid, [a, b, c, d, a], tags))
def line(wid, pts, tags, missing=()):
    ids = []
    for i, (x, y) in enumerate(pts):
        if i in missing:
            nid[0] += 1
            ids.append(nid[0])  # referenced, not in the file: the extract cut it
        else:
            ids.append(node(x, y))
    ways.append((wid, ids, tags))
st = {"highway": "residential"}
# Streets: y = 0 and y = 250 from x = -300 to 700; x = -100, 100 (crosses estate w110), 700 from y = 0 to 250.
line(1, [(-300, 0), (-100, 0), (100, 0), (700, 0)], st)
line(2, [(-300, 250), (-100, 250), (100, 250), (700, 250)], st)
line(3, [(-100, 0), (-100, 250)], st)
line(4, [(100, 0), (100, 125), (100, 250)], st)
line(5, [(700, 0), (700, 250)], st)
# Ways the extract cut: a street whose last node is missing (kept: 3 nodes), a footway with only one node
# left (rejected), a river whose first node is missing (kept as a barrier line), a residential area with
# a missing corner (rejected).
line(6, [(300, 250), (300, 350), (300, 450), (300, 1200)], {"highway": "residential", "name": "cut street"}, missing=(3,))
line(7, [(650, 250), (650, 1200)], {"highway": "footway"}, missing=(1,))
line(8, [(-300, -400), (-200, -350), (700, -350)], {"waterway": "river"}, missing=(0,))
line(9, [(500, 300), (600, 300), (600, 400), (500, 400), (500, 300)], {"landuse": "residential"}, missing=(2,))
# Estate w110 crossed by the street x = 100: two blocks.
rect(110, 0, 10, 200, 240, {"landuse": "residential", "name": "两街坊小区"})
rect(111, 20, 50, 60, 100, {"building": "residential", "building:levels": "6"})
rect(112, 130, 50, 170, 100, {"building": "residential", "building:levels": "6"})
# Estate w130 with a building; named estate w131 with none (population unknown).
rect(130, 250, 10, 350, 100, {"landuse": "residential"})
rect(134, 270, 30, 320, 70, {"building": "residential", "building:levels": "5"})
rect(131, 250, 140, 350, 240, {"landuse": "residential", "name": "无楼小区"})
# A university with staff housing inside: not an old estate.
rect(125, 400, 10, 680, 240, {"amenity": "university", "name": "某大学"})
rect(126, 420, 30, 520, 120, {"landuse": "residential", "name": "教工宿舍"})
rect(135, 440, 50, 490, 90, {"building": "dormitory", "building:levels": "6"})
# A hospital west of the street x = -100.
rect(133, -290, 10, -110, 240, {"amenity": "hospital"})
# Protected land south of the street y = 0, one of each class.
rect(121, 0, -20, 150, -150, {"leisure": "park"})
rect(120, 30, -40, 100, -110, {"landuse": "grass"})          # a lawn in the park: an idle-land parcel, excluded
rect(122, 170, -20, 300, -150, {"natural": "wood"})
rect(123, 320, -20, 450, -150, {"landuse": "forest"})
rect(124, 470, -20, 600, -150, {"highway": "pedestrian", "area": "yes", "name": "广场"})
rect(127, 0, -170, 150, -290, {"landuse": "cemetery"})
rect(128, 170, -170, 300, -290, {"leisure": "pitch"})
rect(129, 320, -170, 450, -290, {"natural": "water"})
rect(132, 470, -170, 600, -290, {"historic": "monument", "heritage": "2"})
rect(136, -290, -20, -110, -150, {"landuse": "military"})
# Idle land north of the street y = 250: brownfield (any category) and a lawn outside any park (park and
# fitness only).
rect(140, 120, 270, 280, 400, {"landuse": "brownfield"})
rect(141, 320, 270, 480, 400, {"landuse": "grass"})
out = []
for i, x, y, t in nodes:
    tags = ",".join(f"{k}={v}" for k, v in t.items())
    out.append(f"n{i} v1 T{tags} x{LON0 + x*M_LON:.7f} y{LAT0 + y*M_LAT:.7f}" if tags else f"n{i} v1 x{LON0 + x*M_LON:.7f} y{LAT0 + y*M_LAT:.7f}")
present = {n[0] for n in nodes}
for wid, ids, t in sorted(ways):
    def enc(v):
        return "".join(c if c.isascii() and (c.isalnum() or c in "_:.-") else "%" + format(ord(c), "x") + "%" for c in v)
    tags = ",".join(f"{k}={enc(v)}" for k, v in t.items())
    out.append(f"w{wid} v1 T{tags} N" + ",".join(f"n{n}" for n in ids))
print("\n".join(out))
