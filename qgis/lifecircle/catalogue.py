"""Every text the plugin shows a person, in Chinese and English.

The plugin keeps its own catalogue instead of Qt ``.ts``/``.qm`` files: no Qt tool is needed to build the
zip, and a unit test checks that every key has both languages with the same ``{placeholders}``.

The interface language is the plugin setting (Processing → Options → Providers → lifecircle 社区生活圈):
``zh`` (the default, as for the engine), ``en``, or ``auto`` (Chinese when QGIS runs in a Chinese locale,
else English); see :func:`resolve_language`. The dialog's "language" parameter (the engine's ``--lang``)
defaults to the same language.

Pure Python (no QGIS import): unit-tested without QGIS.
"""

DEFAULT_LANGUAGE = "zh"
LANGUAGES = ("zh", "en")
LANGUAGE_SETTINGS = ("zh", "en", "auto")


def resolve_language(setting, qgis_locale=""):
    """The interface language for a setting value (``zh``, ``en``, ``auto``) and QGIS's locale (``zh_CN``)."""
    value = (setting or "").strip().lower()
    if value in LANGUAGES:
        return value
    if value == "auto":
        return "zh" if (qgis_locale or "").lower().startswith("zh") else "en"
    return DEFAULT_LANGUAGE


def text(key, lang, **values):
    """The text of ``key`` in ``lang`` (zh/en), with ``{placeholders}`` filled from ``values``."""
    entry = TEXTS[key]
    template = entry[lang if lang in LANGUAGES else DEFAULT_LANGUAGE]
    return template.format(**values) if values else template


def _example(algorithm_id, cli):
    return (f'<code>processing.run("lifecircle:{algorithm_id}", {{"OSM": "data/nanjing-xuanwu-2021.osm.pbf", '
            f'"OUTPUT": "/tmp/{algorithm_id}"}})</code>', f"<code>lifecircle {cli} --osm data/nanjing-xuanwu-2021.osm.pbf --out /tmp/{algorithm_id}</code>")


_HELP_INPUTS = {
    "zh": "<p><b>输入</b>：OpenStreetMap 文件（.osm.pbf），或项目中的图层（小区、设施、路网、出入口、建筑、闲置用地、隔离要素、社区/街道边界），"
          "各字段从图层字段的下拉列表中选择；两者可同时给出，图层叠加在 OSM 之上。勾选图层旁的“仅选中要素”只分析选中的要素。"
          "高德/腾讯（GCJ-02）或百度（BD-09）导出的经纬度图层请选择相应的输入坐标系。</p>",
    "en": "<p><b>Inputs</b>: an OpenStreetMap extract (.osm.pbf), or layers of the project (estates, facilities, walking network, "
          "gates, buildings, idle land, barriers, 社区/街道 boundaries), each field chosen from the layer's fields; both can be "
          "given, the layers are added on top of OSM. Tick \"Selected features only\" beside a layer to analyse its selection. "
          "Choose the input coordinates for lon/lat layers exported from Amap/Tencent (GCJ-02) or Baidu (BD-09).</p>",
}


def _help(lang, what, standard, alg_id, cli):
    python, command = _example(alg_id, cli)
    if lang == "zh":
        return (f"<p>{what}</p><p><b>依据</b>：{standard}</p>{_HELP_INPUTS['zh']}"
                f"<p><b>示例</b>（Python 控制台）：{python}<br>等同于命令行：{command}</p>"
                "<p>结果写入输出文件夹，运行成功后才移入；取消运行不会留下不完整的文件。</p>")
    return (f"<p>{what}</p><p><b>Standard</b>: {standard}</p>{_HELP_INPUTS['en']}"
            f"<p><b>Example</b> (Python console): {python}<br>the same as the command line: {command}</p>"
            "<p>Results are moved into the output folder only when the run succeeded; Cancel leaves no partial file.</p>")


_STANDARD = {
    "zh": "GB 50180-2018《城市居住区规划设计标准》表 3.0.4：5、10、15 分钟生活圈步行距离 300、500、1000 米；"
          "《完整居住社区建设标准（试行）》（2020）必配设施",
    "en": "GB 50180-2018 (Standard for urban residential area planning and design), Table 3.0.4: 300, 500 and 1,000 m "
          "walking distance for the 5-, 10- and 15-minute life circles; the must-have facilities of the Complete "
          "Residential Community standard (2020)",
}
_POLICY = {
    "zh": "城镇老旧小区改造政策（国办发〔2020〕23 号）：2000 年底前建成的小区，成片改造，居民同意比例不低于三分之二",
    "en": "the old-estate renovation policy (State Council General Office 2020 No. 23): estates built by end-2000, "
          "renovated in contiguous areas, with at least two thirds of residents agreeing",
}

TEXTS = {
    "provider.name": {"zh": "lifecircle 社区生活圈", "en": "lifecircle community life circles"},
    # Algorithms
    "alg.plan.name": {"zh": "全流程", "en": "Plan (whole run)"},
    "alg.coverage.name": {"zh": "生活圈覆盖", "en": "Life-circle coverage"},
    "alg.bundles.name": {"zh": "改造片区", "en": "Renovation bundles"},
    "alg.sites.name": {"zh": "闲置用地选址", "en": "Idle-land sites"},
    "alg.extract.name": {"zh": "读取与检查", "en": "Read and check"},
    "alg.plan.help": {
        "zh": _help("zh", "一次完成全流程：读取与检查 → 生活圈覆盖 → 改造片区 → 闲置用地选址。输出带样式的 GeoPackage（lifecircle.gpkg，"
                    "结果图层以图层组加入项目）、GeoJSON 及 QGIS 样式、离线报告 report.html、可打印的覆盖地图和 summary.json。",
                    _STANDARD["zh"] + "；" + _POLICY["zh"], "plan", "plan"),
        "en": _help("en", "The whole plan in one run: read and check → life-circle coverage → renovation bundles → idle-land sites. "
                    "Writes a styled GeoPackage (lifecircle.gpkg, added to the project as a group of layers), GeoJSON copies with "
                    "QGIS styles, an offline report.html, a printable coverage map and summary.json.",
                    _STANDARD["en"] + "; " + _POLICY["en"], "plan", "plan"),
    },
    "alg.coverage.help": {
        "zh": _help("zh", "沿真实步行路网计算每个小区到各类公共服务设施的最近步行距离（从小区大门出发），判断是否满足 5、10、15 分钟生活圈要求，"
                    "并按居民人数统计覆盖率；输出小区（按得分着色）、设施、服务范围和路网图层。",
                    _STANDARD["zh"], "coverage", "coverage"),
        "en": _help("en", "The walking distance along the real pedestrian network from every estate (leaving by its gates) to the "
                    "nearest facility of each category, judged against the 5-, 10- and 15-minute life circles and weighted by "
                    "residents; writes estates (coloured by score), facilities, service areas and the network.",
                    _STANDARD["en"], "coverage", "coverage"),
    },
    "alg.bundles.help": {
        "zh": _help("zh", "筛选符合改造条件的小区（建成年份、不拆除、未获资助、居民同意比例），把相邻小区组合成人口在上下限之间、"
                    "位于同一社区/街道内、不跨越铁路河流主干路的连片改造片区。",
                    _POLICY["zh"], "bundles", "bundle"),
        "en": _help("en", "Screens the estates eligible for renovation (built year, not to be demolished, not already funded, "
                    "residents' consent) and groups adjacent ones into contiguous renovation bundles within the population "
                    "bounds, inside one 社区/街道, not crossing railways, water or main roads.",
                    _POLICY["en"], "bundles", "bundle"),
    },
    "alg.sites.help": {
        "zh": _help("zh", "在小区周边寻找闲置用地和空地，按各类设施的用地面积和最小宽度筛选，为未覆盖的设施类别选出能新增覆盖最多居民的地块"
                    "（最大覆盖选址模型，每类最多 k 处）。",
                    _STANDARD["zh"] + "；最大覆盖选址模型（Church & ReVelle 1974）", "sites", "sites"),
        "en": _help("en", "Finds idle and open land near the estates, keeps the parcels large and wide enough for each facility "
                    "category, and for the categories that fall short chooses the sites that newly cover the most residents "
                    "(maximal covering location problem, at most k per category).",
                    _STANDARD["en"] + "; the maximal covering location problem (Church & ReVelle 1974)", "sites", "sites"),
    },
    "alg.extract.help": {
        "zh": _help("zh", "读取 OpenStreetMap 或规划图层，整理成引擎使用的图层（小区、设施、路网、建筑、闲置用地……），并列出被拒绝的要素及原因"
                    "（rejects 图层）。用于检查数据是否被正确读取。",
                    "GB 50180-2018 的设施分类；OSM 标签规则见规则配置文件", "extract", "extract"),
        "en": _help("en", "Reads OpenStreetMap or planners' layers into the layers the engine works on (estates, facilities, "
                    "network, buildings, idle land ...) and lists every rejected feature with its reason (the rejects layer): "
                    "the way to check what the engine read.",
                    "the facility categories of GB 50180-2018; the OSM tag rules are in the rule profile", "extract", "extract"),
    },
    "alg.rerun.name": {"zh": "重复运行", "en": "Repeat a run"},
    "alg.rerun.help": {
        "zh": "<p>按一次运行记录的来源信息（全流程的 summary.json，或 coverage.json、bundle.json、sites.json、extract.json）"
              "在新的输出文件夹中重复这次运行：命令行、规则配置和输入文件都与当时相同。运行前逐一核对每个输入文件的大小和 SHA-256，"
              "有文件变动或缺失时停止并指出是哪个文件；勾选“输入已变动也运行”则照常运行，并在新结果的来源信息中记下变动。"
              "在 QGIS 中运行的结果把导出的图层保存在其 inputs 文件夹中，重复运行时会用到。</p>"
              "<p><b>示例</b>（Python 控制台）：<code>processing.run(\"lifecircle:rerun\", {\"RUN\": \"/tmp/plan/summary.json\", "
              "\"OUTPUT\": \"/tmp/plan-again\"})</code><br>等同于命令行：<code>lifecircle rerun /tmp/plan/summary.json --out /tmp/plan-again</code></p>",
        "en": "<p>Repeats an earlier run from the provenance it recorded (a plan's summary.json, or coverage.json, bundle.json, "
              "sites.json, extract.json) into a new output folder: the same command line, rule profile and input files. Every "
              "input file's size and SHA-256 are checked first; a changed or missing file stops the run, naming it, unless "
              "\"Run even when inputs changed\" is ticked (the new run's provenance then says what changed). A run made in QGIS "
              "keeps the layers it exported in its inputs folder, where the repeat finds them.</p>"
              "<p><b>Example</b> (Python console): <code>processing.run(\"lifecircle:rerun\", {\"RUN\": \"/tmp/plan/summary.json\", "
              "\"OUTPUT\": \"/tmp/plan-again\"})</code><br>the same as the command line: <code>lifecircle rerun /tmp/plan/summary.json --out /tmp/plan-again</code></p>",
    },
    "param.RUN": {"zh": "要重复的运行（summary.json 等运行记录）", "en": "The run to repeat (its summary.json or other run JSON)"},
    "param.FORCE": {"zh": "输入已变动也运行", "en": "Run even when inputs changed"},
    "msg.run_missing": {"zh": "找不到运行记录文件：{path}", "en": "The run's JSON file does not exist: {path}"},
    "msg.no_rerun": {
        "zh": "所用的 lifecircle 程序没有 rerun 子命令，请更新 lifecircle。",
        "en": "This lifecircle program has no rerun subcommand: update lifecircle.",
    },
    # Inputs
    "param.OSM": {"zh": "OpenStreetMap 数据（.osm.pbf）", "en": "OpenStreetMap extract (.osm.pbf)"},
    "param.EXTRACT_DIR": {
        "zh": "已提取的图层文件夹（“提取”算法的输出，可在 QGIS 中编辑后再用；下列图层会替换其中同类图层）",
        "en": "Extracted layers folder (the output of Extract, as edited in QGIS; a layer given below replaces its kind)",
    },
    "layer.ESTATES": {"zh": "小区（面）", "en": "Estates (polygons)"},
    "layer.FACILITIES": {"zh": "公共服务设施（点或面）", "en": "Facilities (points or polygons)"},
    "layer.NETWORK": {"zh": "步行路网（线）", "en": "Walking network (lines)"},
    "layer.GATES": {"zh": "小区出入口（点）", "en": "Compound gates (points)"},
    "layer.BUILDINGS": {"zh": "建筑（面）", "en": "Buildings (polygons)"},
    "layer.IDLE_LAND": {"zh": "闲置用地（面）", "en": "Idle land (polygons)"},
    "layer.BARRIERS": {"zh": "隔离要素：铁路、水系、主干路（线或面）", "en": "Barriers: rail, water, main roads (lines or polygons)"},
    "layer.BOUNDARIES": {"zh": "社区 / 街道边界（面）", "en": "社区 / 街道 boundaries (polygons)"},
    "layer.PROTECTED_LAND": {"zh": "不可建设用地（面：公园绿地、水域、生态红线……）", "en": "Land that cannot be built (polygons: parks, water, ecological red lines ...)"},
    "role.ID": {"zh": "编号字段", "en": "id field"},
    "role.NAME": {"zh": "名称字段", "en": "name field"},
    "role.POPULATION": {"zh": "人口字段", "en": "population field"},
    "role.HOUSEHOLDS": {"zh": "户数字段", "en": "households field"},
    "role.BUILT_YEAR": {"zh": "建成年份字段", "en": "built-year field"},
    "role.CATEGORY": {"zh": "设施类别字段（类别键或中文名）", "en": "category field (category keys or Chinese names)"},
    "role.CAPACITY": {"zh": "容量字段", "en": "capacity field"},
    "role.LEVELS": {"zh": "层数字段", "en": "levels field"},
    "role.CLASS": {"zh": "类型字段（rail、river、primary……）", "en": "class field (rail, river, primary ...)"},
    "role.LEVEL": {"zh": "层级字段（社区 / 街道）", "en": "level field (community / street)"},
    "param.field": {"zh": "{layer} · {role}", "en": "{layer} · {role}"},
    "param.SURVEY": {"zh": "摸底调查表（CSV 或 Excel）", "en": "Survey table (CSV or Excel)"},
    "param.PROFILE": {"zh": "规则配置文件（.toml，默认 GB 50180-2018）", "en": "Rule profile (.toml; default GB 50180-2018)"},
    "param.CRS": {"zh": "工作坐标系（米制；默认取数据中心所在的 UTM 带）", "en": "Working CRS in metres (default: the UTM zone of the data's centre)"},
    "param.INPUT_COORDS": {"zh": "经纬度图层的坐标系", "en": "Coordinates of lon/lat layers"},
    "choice.INPUT_COORDS.wgs84": {"zh": "WGS84（OSM、GPS 经纬度）", "en": "WGS84 (OSM, GPS)"},
    "choice.INPUT_COORDS.gcj02": {"zh": "GCJ-02（高德、腾讯地图导出）", "en": "GCJ-02 (Amap, Tencent exports)"},
    "choice.INPUT_COORDS.bd09": {"zh": "BD-09（百度地图导出）", "en": "BD-09 (Baidu exports)"},
    "param.LANGUAGE": {"zh": "报告与输出的语言", "en": "Language of the report and outputs"},
    "choice.LANGUAGE.zh": {"zh": "中文", "en": "Chinese (中文)"},
    "choice.LANGUAGE.en": {"zh": "英文（English）", "en": "English"},
    "param.THRESHOLD_5MIN": {"zh": "5 分钟生活圈步行距离（米，标准 300）", "en": "5-minute life circle walking distance (m, standard 300)"},
    "param.THRESHOLD_10MIN": {"zh": "10 分钟生活圈步行距离（米，标准 500）", "en": "10-minute life circle walking distance (m, standard 500)"},
    "param.THRESHOLD_15MIN": {"zh": "15 分钟生活圈步行距离（米，标准 1000）", "en": "15-minute life circle walking distance (m, standard 1,000)"},
    # Coverage
    "param.ACCESS": {"zh": "居民从哪里离开小区", "en": "Where residents leave their estate"},
    "choice.ACCESS.gates": {"zh": "大门（无大门时取道路与小区边界的交点）", "en": "gates (else where public ways meet the boundary)"},
    "choice.ACCESS.boundary": {"zh": "道路与小区边界的交点", "en": "where public ways meet the boundary"},
    "choice.ACCESS.centroid": {"zh": "小区中心点（简化算法，仅供对比）", "en": "centroid (as simpler tools do; for comparison)"},
    "param.MAX_SNAP": {"zh": "最大接入路网距离（米，默认 200；更远视为不可达）", "en": "Largest distance to the network (m, default 200; farther is unreachable)"},
    "param.SEARCH_RADIUS": {"zh": "搜索半径（米，默认为最大阈值的 1.5 倍）", "en": "Search radius (m, default 1.5 × the largest threshold)"},
    "param.SERVICE_AREAS": {"zh": "服务范围图层", "en": "Service area layers"},
    "choice.SERVICE_AREAS.auto": {"zh": "自动（路网不超过 20 万条边时输出线和面）", "en": "auto (lines and polygons on networks of up to 200,000 edges)"},
    "choice.SERVICE_AREAS.none": {"zh": "不输出", "en": "none"},
    "choice.SERVICE_AREAS.lines": {"zh": "服务路段（线）", "en": "lines (the exact reach)"},
    "choice.SERVICE_AREAS.polygons": {"zh": "服务路段和服务范围面", "en": "lines and polygons"},
    "param.OPEN_COMPOUNDS": {"zh": "情景：开放所有小区内部道路（打开围墙）", "en": "Scenario: open every compound's internal ways"},
    "param.DEM": {"zh": "地面高程栅格（米，GeoTIFF 等，可选：按坡度折算步行距离）", "en": "Ground elevation raster (metres, GeoTIFF ...; optional: hills lengthen walks)"},
    "param.WALKER": {"zh": "步行者", "en": "Walker"},
    "choice.WALKER.adult": {"zh": "成年人", "en": "adult"},
    "choice.WALKER.elderly": {"zh": "老年人（台阶、陡坡更费力）", "en": "older walker (steps and steep slopes cost more)"},
    "choice.WALKER.wheelchair": {"zh": "轮椅使用者（不走台阶和超过 8% 的坡）", "en": "wheelchair user (no steps, no slope over 8 %)"},
    "param.WALKER_COMPARE": {"zh": "同时计算老年人和轮椅使用者失去的覆盖", "en": "Also count what older walkers and wheelchair users lose"},
    "param.OPEN_GATES": {"zh": "情景：开放的大门编号或连通的小区对 A:B（文本文件，每行一个）", "en": "Scenario: gate ids to open or estate pairs A:B to connect (text file, one per line)"},
    # Bundles
    "param.BUILT_BEFORE": {"zh": "建成年份早于（2001 即 2000 年底前建成）", "en": "Built before (2001 = built by end-2000)"},
    "param.CONSENT": {"zh": "居民同意比例下限（默认 2/3）", "en": "Minimum share of households consenting (default 2/3)"},
    "param.ZHIFU_CONSENT": {"zh": "改用芝罘规则：征询比例不低于 2/3 且赞成比例不低于 3/4", "en": "Use the Zhifu rule: at least 2/3 consulted and 3/4 of those agree"},
    "param.GAP": {"zh": "相邻判定间距（米）", "en": "Gap within which estates are adjacent (m)"},
    "param.BARRIER_ROADS": {"zh": "分隔小区的道路（该等级及以上）", "en": "Roads of this class and above separate estates"},
    "choice.BARRIER_ROADS.motorway": {"zh": "高速公路", "en": "motorway"},
    "choice.BARRIER_ROADS.trunk": {"zh": "快速路 / 干线公路", "en": "trunk"},
    "choice.BARRIER_ROADS.primary": {"zh": "主干路", "en": "primary"},
    "choice.BARRIER_ROADS.secondary": {"zh": "次干路", "en": "secondary"},
    "choice.BARRIER_ROADS.tertiary": {"zh": "支路", "en": "tertiary"},
    "param.MIN_POP": {"zh": "片区人口下限", "en": "Bundle population floor"},
    "param.MAX_POP": {"zh": "片区人口上限", "en": "Bundle population ceiling"},
    "param.SEED": {"zh": "随机种子（相同种子得到相同片区）", "en": "Seed (same seed, same bundles)"},
    "param.EXCLUDE_NEEDS_SURVEY": {"zh": "待调查的小区不纳入片区", "en": "Leave estates that need a survey out of bundles"},
    # Sites
    "param.CATEGORIES": {"zh": "选址的设施类别（默认：有未覆盖居民的必配类别）", "en": "Categories to site (default: every must-have category with uncovered residents)"},
    "param.K": {"zh": "每类设施最多选址数（k）", "en": "Sites per category, at most (k)"},
    "param.SEARCH": {"zh": "在小区周边多少米内寻找空地", "en": "Look for open land within this many metres of the estates"},
    "param.NO_DERIVED_LAND": {"zh": "只用给定的闲置地块，不推算小区周边的空地", "en": "Use only the idle-land parcels given, not open land derived around estates"},
    # Plan and outputs
    "param.TITLE": {"zh": "报告和地图标题（默认取输入文件名）", "en": "Title of the report and map (default: from the input file's name)"},
    "param.OUTPUT": {"zh": "输出文件夹", "en": "Output folder"},
    "param.LOAD_LAYERS": {"zh": "把结果图层加入当前项目", "en": "Add the result layers to the project"},
    "param.OPEN_REPORT": {"zh": "完成后在浏览器中打开报告", "en": "Open the report in the browser when done"},
    "output.GEOPACKAGE": {"zh": "结果 GeoPackage", "en": "Result GeoPackage"},
    "output.REPORT": {"zh": "报告（report.html）", "en": "Report (report.html)"},
    "output.GROUP": {"zh": "项目中的图层组", "en": "Layer group in the project"},
    # Facility categories of the default profile
    "category.kindergarten": {"zh": "幼儿园", "en": "Kindergarten"},
    "category.nursery": {"zh": "托儿所", "en": "Nursery"},
    "category.elderly_care": {"zh": "养老服务站", "en": "Elderly care"},
    "category.health_station": {"zh": "社区卫生服务站", "en": "Health station"},
    "category.community_service": {"zh": "社区服务站", "en": "Community service"},
    "category.fitness": {"zh": "健身场地", "en": "Outdoor fitness"},
    "category.convenience": {"zh": "便利店", "en": "Convenience store"},
    "category.primary_school": {"zh": "小学", "en": "Primary school"},
    "category.vegetable_market": {"zh": "菜市场", "en": "Food market"},
    "category.park": {"zh": "社区公园", "en": "Park"},
    "category.sports": {"zh": "运动场地", "en": "Sports ground"},
    "category.middle_school": {"zh": "初中", "en": "Middle school"},
    "category.health_center": {"zh": "社区卫生服务中心", "en": "Health centre"},
    "category.culture": {"zh": "文化活动中心", "en": "Culture centre"},
    "category.bus_stop": {"zh": "公交站", "en": "Bus stop"},
    # Stages of a run (the progress text)
    "stage.export": {"zh": "导出项目图层", "en": "Exporting the project's layers"},
    "stage.read_inputs": {"zh": "读取输入", "en": "Reading the inputs"},
    "stage.coverage": {"zh": "计算生活圈覆盖", "en": "Computing life-circle coverage"},
    "stage.bundles": {"zh": "划分改造片区", "en": "Forming renovation bundles"},
    "stage.sites": {"zh": "闲置用地选址", "en": "Siting facilities on idle land"},
    "stage.layers": {"zh": "整理结果图层", "en": "Preparing the result layers"},
    "stage.writing": {"zh": "写出结果", "en": "Writing the results"},
    "stage.finishing": {"zh": "收尾", "en": "Finishing"},
    "stage.done": {"zh": "完成", "en": "Done"},
    # Messages
    "msg.engine_not_found": {
        "zh": "找不到 lifecircle 程序。请先安装：在 lifecircle 源码文件夹中运行 {install}（需要 Rust 工具链），"
              "或在“处理 → 选项 → 提供者 → lifecircle 社区生活圈”中填写程序路径。",
        "en": "The lifecircle program was not found. Install it: in the lifecircle source folder run {install} (needs the Rust "
              "toolchain), or give its path in Processing → Options → Providers → lifecircle community life circles.",
    },
    "msg.engine_setting_missing": {
        "zh": "设置中的 lifecircle 程序 {path} 不存在或不可执行。请修改“处理 → 选项 → 提供者 → lifecircle 社区生活圈”中的路径，"
              "或在源码文件夹中运行 {install} 安装。",
        "en": "The lifecircle program set in the options, {path}, does not exist or cannot be run. Correct the path in Processing → "
              "Options → Providers → lifecircle community life circles, or install it with {install} in the source folder.",
    },
    "msg.engine_not_runnable": {
        "zh": "无法运行 lifecircle 程序 {path}：{error}。请重新安装：在源码文件夹中运行 {install}。",
        "en": "The lifecircle program {path} cannot be run: {error}. Reinstall it: run {install} in the source folder.",
    },
    "msg.engine_too_old": {
        "zh": "lifecircle 程序 {path} 的版本 {version} 太旧，本插件需要 {minimum} 或更新的版本。请更新：在源码文件夹中运行 {install}。",
        "en": "The lifecircle program {path} is version {version}; this plugin needs {minimum} or newer. Update it: run {install} "
              "in the source folder.",
    },
    "msg.engine_found": {"zh": "lifecircle 程序：{path}（版本 {version}）", "en": "lifecircle program: {path} (version {version})"},
    "msg.no_lang": {
        "zh": "这一版本的 lifecircle 还没有 --lang 选项，输出使用程序的默认语言。",
        "en": "This lifecircle version has no --lang option yet; the outputs are in the program's default language.",
    },
    "msg.no_input": {
        "zh": "没有输入数据：请给出 OpenStreetMap 文件、已提取的图层文件夹，或至少一个图层（如小区、设施、路网）。",
        "en": "No input: give an OpenStreetMap file, an extracted layers folder, or at least one layer (estates, facilities, network ...).",
    },
    "msg.extract_dir_missing": {
        "zh": "已提取的图层文件夹“{path}”不存在：请选择“提取”算法写出的输出文件夹。",
        "en": "The extracted layers folder \"{path}\" does not exist: choose the output folder that Extract wrote.",
    },
    "msg.layer_ref": {"zh": "图层“{name}”", "en": "layer \"{name}\""},
    "msg.layer_unreadable": {"zh": "无法读取图层“{layer}”。", "en": "The layer \"{layer}\" cannot be read."},
    "msg.field_problem": {"zh": "图层“{layer}”的字段设置有误：{problem}", "en": "The field choices of \"{layer}\" are wrong: {problem}"},
    "msg.exported": {
        "zh": "图层“{layer}”：{count} 个要素{selection}写入临时 GeoPackage，{fields}",
        "en": "Layer \"{layer}\": {count} features{selection} written to the temporary GeoPackage, {fields}",
    },
    "msg.selection": {"zh": "（仅选中要素）", "en": " (selected features only)"},
    "msg.field_renamed": {"zh": "字段 {source} → {target}", "en": "field {source} → {target}"},
    "msg.field_feature_id": {"zh": "要素编号 → {target}", "en": "feature id → {target}"},
    "msg.fields_as_is": {"zh": "字段保持原名", "en": "fields as they are"},
    "msg.export_failed": {"zh": "无法把图层“{layer}”写入临时 GeoPackage：{error}", "en": "Cannot write the layer \"{layer}\" to the temporary GeoPackage: {error}"},
    "msg.survey_converted": {"zh": "调查表 {source} 的第一个工作表已转为 CSV：{csv}", "en": "The first sheet of the survey table {source} was converted to CSV: {csv}"},
    "msg.survey_unreadable": {"zh": "无法读取调查表 {path}：{error}", "en": "Cannot read the survey table {path}: {error}"},
    "msg.thresholds": {
        "zh": "生活圈步行距离：{tiers}（写入临时规则文件 {path}）",
        "en": "Life-circle walking distances: {tiers} (written to the temporary profile {path})",
    },
    "msg.profile_problem": {"zh": "规则配置文件 {path} 无法修改：{problem}", "en": "The rule profile {path} cannot be adjusted: {problem}"},
    "msg.crs_not_epsg": {
        "zh": "工作坐标系须为 EPSG 编码的米制坐标系（如 EPSG:4547），当前为 {crs}。",
        "en": "The working CRS must be a metric CRS with an EPSG code (e.g. EPSG:4547), not {crs}.",
    },
    "msg.command": {"zh": "运行命令：{command}", "en": "Running: {command}"},
    "msg.canceled": {
        "zh": "已取消：lifecircle 进程已终止，输出文件夹中没有写入任何文件。",
        "en": "Canceled: the lifecircle process was stopped and nothing was written to the output folder.",
    },
    "msg.failed_input": {"zh": "lifecircle 无法完成（输入或参数有误）：{message}", "en": "lifecircle could not finish (an input or option is at fault): {message}"},
    "msg.failed_internal": {
        "zh": "lifecircle 内部错误（退出码 {code}）：{message}。请把日志中的命令行和输入文件报告给开发者。",
        "en": "lifecircle internal error (exit code {code}): {message}. Please report it with the command line from the log and the input files.",
    },
    "msg.no_message": {"zh": "（程序没有给出错误信息）", "en": "(the program gave no message)"},
    "msg.written": {"zh": "结果已写入 {out}：{files}", "en": "Results written to {out}: {files}"},
    "msg.group_name": {"zh": "lifecircle {algorithm}：{name}", "en": "lifecircle {algorithm}: {name}"},
    "msg.layers_added": {"zh": "已把 {count} 个图层加入项目的图层组“{group}”。", "en": "Added {count} layers to the project as the group \"{group}\"."},
    "msg.layer_not_added": {"zh": "图层 {layer} 无法加载，未加入项目。", "en": "The layer {layer} could not be loaded and was not added."},
    "msg.report_opened": {"zh": "已在浏览器中打开报告：{path}", "en": "Opened the report in the browser: {path}"},
    # Output layers (their Chinese names in the layer tree; the table name follows in brackets)
    "outlayer.sites": {"zh": "推荐设施选址", "en": "sites"},
    "outlayer.bundle_sites": {"zh": "片区补缺选址", "en": "bundle_sites"},
    "outlayer.bundles": {"zh": "改造片区", "en": "bundles"},
    "outlayer.facilities": {"zh": "公共服务设施", "en": "facilities"},
    "outlayer.gates": {"zh": "小区出入口", "en": "gates"},
    "outlayer.access_points": {"zh": "出行起点", "en": "access_points"},
    "outlayer.adjacency": {"zh": "小区相邻关系", "en": "adjacency"},
    "outlayer.estates": {"zh": "小区", "en": "estates"},
    "outlayer.facility_footprints": {"zh": "设施用地范围", "en": "facility_footprints"},
    "outlayer.candidates": {"zh": "候选用地", "en": "candidates"},
    "outlayer.idle_land": {"zh": "闲置用地", "en": "idle_land"},
    "outlayer.protected_land": {"zh": "不可建设用地", "en": "protected_land"},
    "outlayer.lift_candidates": {"zh": "加装电梯候选楼栋", "en": "lift_candidates"},
    "outlayer.barriers": {"zh": "线状隔离要素", "en": "barriers"},
    "outlayer.barrier_areas": {"zh": "面状隔离要素", "en": "barrier_areas"},
    "outlayer.boundaries": {"zh": "社区 / 街道边界", "en": "boundaries"},
    "outlayer.service_lines": {"zh": "服务路段", "en": "service_lines"},
    "outlayer.service_areas": {"zh": "服务范围", "en": "service_areas"},
    "outlayer.buildings": {"zh": "建筑", "en": "buildings"},
    "outlayer.network_islands": {"zh": "路网孤岛", "en": "network_islands"},
    "outlayer.network": {"zh": "步行路网", "en": "network"},
    "outlayer.rejects": {"zh": "被拒绝的要素", "en": "rejects"},
    # Settings
    "setting.binary": {"zh": "lifecircle 程序路径（留空则在 PATH 和 ~/.cargo/bin 中查找）", "en": "Path of the lifecircle program (empty: look on PATH and in ~/.cargo/bin)"},
    "setting.language": {"zh": "界面语言：zh 中文、en 英文、auto 跟随 QGIS", "en": "Interface language: zh Chinese, en English, auto as QGIS"},
}
