"""Reading the city's risk-level notices: the seed's notice 第20号 and the ways others vary."""

from datetime import datetime
from pathlib import Path

import pytest
from django.utils import timezone

from fangkong.health.notice import parse_notice

# The field reports lie in shared/ beside the repository (CI lays a copy there too).
SEED = next((Path(__file__).resolve().parents[3] / "shared" / "seeds").glob("003_*.txt"), None)
NOTICE = """商洛市疫情防控应急指挥部 关于调整风险等级的通告 (第20号)

根据当前新冠肺炎疫情防控需要,经综合研判,自2022年8月30日12时起,调整风险区域如下:

- 一、高风险区降为中风险区(5个)**

商州区(5个):君诚酒店、安居巷市政园林管理处6号楼、工农路市财政局家属院后南楼、江南小区西区竹轩3号楼、杨斜镇海棠岔村5组(王某某)。

以上区域实行“足不出户、错峰取物”等管控措施。
- 二、中风险区降为低风险区(22个)**

商州区(7个):香菊路建司1队北楼宿舍楼、板桥镇板桥村街口艳芳小吃店、板桥镇板桥村河南牛肉胡辣汤店、金源一路全段北至名人街南至富丽华外墙民居楼、金源二路全段北至名人街南至富丽华外墙民居楼、东关7组56号、市移动公司家属院。

山阳县(15个):

中村镇:街道社区、中村新区社区、土桥村;

户家源镇:金河移民小区、户家源社区;

漫川关镇:古镇社区、闫家店社区;

天竺山镇:长沟街社区、高坝店镇高坝街社区、色河铺镇色河铺街道社区、十里铺街道高一社区、板岩镇庙台社区、两岭镇两岭社区、西照川镇西川社区、南宽坪镇南宽坪街道社区。

以上区域实行“个人防护、避免聚集”等防范措施。特此通告。

商洛市疫情防控应急指挥部
2022年8月30日
"""
NOON = timezone.make_aware(datetime(2022, 8, 30, 12))


def names(parsed):
    return [(c.parent, c.name, c.old_level, c.new_level) for c in parsed.changes]


def test_seed_notice_gives_27_changes_at_noon_on_30_august():
    parsed = parse_notice(NOTICE)
    assert parsed.number == "第20号" and parsed.effective_from == NOON
    assert len(parsed.changes) == 27 and parsed.unparsed == [] and parsed.warnings == []
    assert names(parsed)[0] == ("商州区", "君诚酒店", "high", "medium")
    assert all(c.effective_from == NOON for c in parsed.changes)


def test_first_section_lowers_high_to_medium_second_medium_to_low():
    levels = [(c.old_level, c.new_level) for c in parse_notice(NOTICE).changes]
    assert levels[:5] == [("high", "medium")] * 5 and levels[5:] == [("medium", "low")] * 22


def test_town_prefix_inside_an_item_becomes_the_areas_town():
    found = names(parse_notice(NOTICE))
    assert ("商州区杨斜镇", "海棠岔村5组(王某某)", "high", "medium") in found
    assert ("山阳县高坝店镇", "高坝街社区", "medium", "low") in found
    assert ("山阳县十里铺街道", "高一社区", "medium", "low") in found


def test_town_heading_gives_its_items_their_town():
    found = names(parse_notice(NOTICE))
    assert ("山阳县中村镇", "街道社区", "medium", "low") in found
    assert ("山阳县天竺山镇", "长沟街社区", "medium", "low") in found


@pytest.mark.skipif(SEED is None, reason="seed not present")
def test_whole_seed_article_pasted_reads_only_the_notice():
    parsed = parse_notice(SEED.read_text())
    assert len(parsed.changes) == 27 and parsed.unparsed == [] and parsed.warnings == []


def test_full_width_punctuation_and_extra_spaces_read_the_same():
    variant = (NOTICE.replace("(", "（").replace(")", "）").replace(":", "：").replace(";", "；")
               .replace("、", " 、 ").replace("商州区", "商州区 ").replace("12时", "１２时"))
    assert names(parse_notice(variant)) == names(parse_notice(NOTICE))
    assert parse_notice(variant).effective_from == NOON


def test_missing_first_section_gives_the_second_alone():
    start, end = NOTICE.index("- 一、"), NOTICE.index("- 二、")
    parsed = parse_notice(NOTICE[:start] + NOTICE[end:])
    assert len(parsed.changes) == 22 and parsed.unparsed == []


def test_unreadable_section_is_returned_for_manual_entry():
    text = NOTICE.replace("一、高风险区降为中风险区(5个)", "一、以下区域调整管控措施(5个)")
    parsed = parse_notice(text)
    assert len(parsed.changes) == 22
    assert parsed.unparsed[0] == "一、以下区域调整管控措施(5个)"
    assert any("君诚酒店" in line for line in parsed.unparsed)


def test_areas_without_any_section_are_not_guessed():
    parsed = parse_notice("关于调整风险等级的通告(第21号)\n自2022年9月2日0时起\n商州区:某小区、某酒店\n特此通告")
    assert parsed.changes == [] and parsed.unparsed == ["商州区:某小区、某酒店"]


def test_a_count_that_does_not_match_the_items_is_a_warning():
    parsed = parse_notice(NOTICE.replace("商州区(5个)", "商州区(6个)"))
    assert parsed.warnings == ["一、高风险区降为中风险区(5个) 商州区: 6 → 5"]


def test_missing_effective_time_is_a_warning_and_left_empty():
    parsed = parse_notice(NOTICE.replace("自2022年8月30日12时起,", ""))
    assert parsed.effective_from is None and "no_effective_time" in parsed.warnings
    assert len(parsed.changes) == 27


def test_midnight_written_in_words_and_new_high_risk_areas():
    text = ("关于划定风险区域的通告(第3号)\n自2022年9月1日零时起:\n一、新增高风险区(2个):"
            "江滨壹号小区、商州区城关街办郭村社区\n特此通告")
    parsed = parse_notice(text)
    assert parsed.effective_from == timezone.make_aware(datetime(2022, 9, 1))
    assert [(c.name, c.old_level, c.new_level) for c in parsed.changes] == [
        ("江滨壹号小区", None, "high"), ("商州区城关街办郭村社区", None, "high")]


def test_county_heading_without_colon_still_sets_the_place():
    text = NOTICE.replace("山阳县(15个):", "山阳县(15个)")
    assert names(parse_notice(text)) == names(parse_notice(NOTICE))


def test_an_unreadable_line_inside_a_section_is_kept_back():
    text = NOTICE.replace("户家源镇:金河移民小区", "户家源镇金河:移民小区")
    parsed = parse_notice(text)
    assert parsed.unparsed == ["户家源镇金河:移民小区、户家源社区"]
