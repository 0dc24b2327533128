"""The demo's standards: what each organisation inspects its places against, one version each."""

from decimal import Decimal

from baozhang.orgs.models import AreaType, Organisation
from baozhang.orgs.services import record_save
from baozhang.standards.models import Standard, StandardVersion
from baozhang.standards.services import ItemInput, standard_save_items

D = Decimal
STANDARDS = {
    "college": [
        (
            "SS",
            "学生宿舍卫生检查标准",
            ["宿舍"],
            [
                ("地面", "地面有垃圾、纸屑", "deduction", D(2), D(6)),
                ("地面", "地面有积水", "deduction", D(1), None),
                ("内务", "被褥未叠放整齐", "deduction", D(2), None),
                ("内务", "物品摆放", "scored", D(5), None),
                ("门窗", "门窗玻璃不洁", "deduction", D(1), None),
                ("红线", "使用违章电器", "red_line", D(20), None),
                ("加分", "主动打扫楼道公共区域", "bonus", D(5), D(10)),
            ],
        ),
        (
            "JS",
            "教室卫生检查标准",
            ["教室"],
            [
                ("讲台", "黑板未擦净", "deduction", D(2), None),
                ("讲台", "讲台杂乱", "deduction", D(1), None),
                ("地面", "地面有垃圾", "deduction", D(2), D(6)),
                ("桌椅", "桌椅摆放不齐", "deduction", D(1), None),
                ("加分", "打扫阶梯教室", "bonus", D(10), None),
                ("加分", "打扫微格教室", "bonus", D(20), None),
            ],
        ),
        (
            "WSQ",
            "室外卫生区检查标准",
            ["卫生区"],
            [
                ("环境", "有白色垃圾", "deduction", D(2), D(8)),
                ("环境", "落叶未清扫", "deduction", D(1), None),
                ("设施", "垃圾桶满溢", "deduction", D(2), None),
                ("加分", "主动清扫积雪", "bonus", D(5), None),
            ],
        ),
    ],
    "hospital": [
        (
            "BQ",
            "病区及公共区域保洁标准",
            ["病区", "门诊", "卫生间", "卫生区"],
            [
                ("地面", "地面不洁、有污渍", "deduction", D(2), D(8)),
                ("卫生间", "卫生间有异味", "deduction", D(2), None),
                ("垃圾", "生活垃圾未及时清运", "deduction", D(2), None),
                ("物品", "物品摆放", "scored", D(5), None),
                ("红线", "医疗废物与生活垃圾混放", "red_line", D(10), None),
                ("加分", "获患者书面表扬", "bonus", D(5), None),
            ],
        ),
        (
            "ST",
            "食堂卫生检查标准",
            ["食堂", "储存室"],
            [
                ("加工", "生熟未分开", "deduction", D(3), None),
                ("环境", "操作台面不洁", "deduction", D(2), None),
                ("储存", "食品离地离墙不足", "deduction", D(2), None),
                ("红线", "使用过期食品原料", "red_line", D(20), None),
            ],
        ),
    ],
}


def standards_build(organisation: Organisation) -> dict[str, StandardVersion]:
    """Create the organisation's standards with their items; return each one's version by code."""
    area_types = {area.name: area for area in AreaType.objects.filter(organisation=organisation)}
    versions = {}
    for code, name, areas, items in STANDARDS[organisation.slug]:
        standard = record_save(
            record=Standard(organisation=organisation, code=code, name=name), by=None
        )
        standard.area_types.set([area_types[area] for area in areas])
        versions[code] = standard_save_items(
            standard=standard,
            by=None,
            items=[
                ItemInput(section, text, kind, points, cap)
                for section, text, kind, points, cap in items
            ],
        )
    return versions
