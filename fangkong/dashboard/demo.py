"""The demo community's 4 p.m. meeting: yesterday's briefing issued (frozen, so today's shows the
change), and today's problems raised by three grids. Called by core.demo after the other apps."""

import datetime as dt

from fangkong.core.models import Grid

from . import services
from .models import ProblemKind

PROBLEMS = [
    (ProblemKind.PROBLEM, "出租屋流动人口多，部分租户白天外出务工，多次敲门无人应答"),
    (ProblemKind.NEED, "防护服和N95口罩只够两天，请指挥部协调补充"),
    (ProblemKind.PROBLEM, "独居老人不会使用智能手机，无法自行上报体温"),
]


def add_demo(community, actor, today: dt.date, seed: int) -> None:
    services.issue_briefing(actor, community, today - dt.timedelta(days=1),
                            tomorrow="继续开展第二轮入户摸排\n组织封控楼栋核酸补采")
    grids = list(Grid.objects.filter(community=community).order_by("number")[:len(PROBLEMS)])
    for grid, (kind, text) in zip(grids, PROBLEMS, strict=False):
        services.add_problem(actor, community, grid, text, kind=kind, day=today)
    # The status map: a drawn site plan with every building on it (dashboard/demo_map.py).
    from .demo_map import add_demo_map

    add_demo_map(community, actor)
