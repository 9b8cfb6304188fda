"""The demo community's site plan: a drawn plan of the village (grids shaded and named, lanes,
every house's footprint) made with Pillow from the buildings' positions, and every building
drawn on it, so that the status map has something to show from the first start."""

import io
import json
import math

from django.db import transaction

from fangkong.core.models import Building, Grid

from . import maps

WIDTH = 2000
MARGIN = 90
TOP = 150  # room for the title above the first row of grids
BACKGROUND = (246, 241, 228)
GRID_TINTS = [(232, 222, 200), (222, 232, 210), (214, 226, 236), (236, 218, 214), (226, 218, 236),
              (218, 236, 230), (236, 232, 210)]
LANE = (255, 255, 255)
HOUSE = (205, 198, 186)
HOUSE_EDGE = (120, 110, 98)


def _ring(building):
    outline = building.outline or {}
    try:
        return [(float(x), float(y)) for x, y in outline["coordinates"][0]]
    except (KeyError, TypeError, ValueError, IndexError):
        if building.longitude is None or building.latitude is None:
            return None
        lon, lat = float(building.longitude), float(building.latitude)
        d = 0.00006
        return [(lon - d, lat - d), (lon + d, lat - d), (lon + d, lat + d), (lon - d, lat + d)]


def _lattice(buildings):
    """Footprints on a lattice, grid after grid, for buildings without a position (as the demo
    gives them), in the same units as longitude and latitude."""
    rings, step, d = {}, 0.0003, 0.0001
    row = 0
    grids: dict[int, list] = {}
    for building in buildings:
        grids.setdefault(building.grid_id, []).append(building)
    for members in grids.values():
        columns = max(1, math.ceil(math.sqrt(len(members))))
        for index, building in enumerate(members):
            x, y = (index % columns) * step, -(row + index // columns) * step
            rings[building.pk] = [(x - d, y - d), (x + d, y - d), (x + d, y + d), (x - d, y + d)]
        row += math.ceil(len(members) / columns) + 1
    return rings


def _font(size):
    from PIL import ImageFont

    from fangkong.lib.pdf import _split_index, sheet_font

    font = sheet_font()
    if font.embedded and font.path:
        path, index = _split_index(font.path)
        try:
            return ImageFont.truetype(path, size, index=index)
        except OSError:
            pass
    return ImageFont.load_default(size)


def plan_image(community) -> tuple[bytes, dict[int, list]]:
    """The PNG of the plan, and each building's corners in its pixels."""
    from PIL import Image, ImageDraw

    buildings = list(Building.objects.filter(community=community).select_related("grid").order_by("grid__number",
                                                                                                  "door_sort"))
    rings = {b.pk: _ring(b) for b in buildings}
    if not buildings:
        rings = {}
    elif not all(rings.values()):
        rings = _lattice(buildings)
    xs = [x for ring in rings.values() if ring for x, _y in ring]
    ys = [y for ring in rings.values() if ring for _x, y in ring]
    lon0, lon1, lat0, lat1 = min(xs), max(xs), min(ys), max(ys)
    # Metres are shorter in longitude than in latitude away from the equator.
    aspect = (lat1 - lat0) / ((lon1 - lon0) * math.cos(math.radians((lat0 + lat1) / 2)))
    scale_x = (WIDTH - 2 * MARGIN) / (lon1 - lon0)
    height = int(round((WIDTH - 2 * MARGIN) * aspect)) + MARGIN + TOP
    scale_y = (height - MARGIN - TOP) / (lat1 - lat0)

    def px(lon, lat):
        return [round(MARGIN + (lon - lon0) * scale_x, 1), round(TOP + (lat1 - lat) * scale_y, 1)]

    corners = {}
    for pk, ring in rings.items():
        if ring:
            corners[pk] = [px(x, y) for x, y in (ring[:-1] if ring[0] == ring[-1] else ring)]
    image = Image.new("RGB", (WIDTH, height), BACKGROUND)
    draw = ImageDraw.Draw(image)
    by_grid: dict[int, list] = {}
    for building in buildings:
        if building.pk in corners:
            by_grid.setdefault(building.grid_id, []).extend(corners[building.pk])
    grids = {g.pk: g for g in Grid.objects.filter(community=community)}
    label_font = _font(34)
    for index, (grid_id, points) in enumerate(sorted(by_grid.items(), key=lambda item: grids[item[0]].number)):
        x0, y0 = min(p[0] for p in points) - 28, min(p[1] for p in points) - 28
        x1, y1 = max(p[0] for p in points) + 28, max(p[1] for p in points) + 28
        draw.rounded_rectangle([x0, y0, x1, y1], radius=18, fill=GRID_TINTS[index % len(GRID_TINTS)],
                               outline=(170, 160, 140), width=2)
        # Lanes between the rows of houses.
        for y in range(int(y0) + 40, int(y1) - 20, 52):
            draw.line([x0 + 8, y, x1 - 8, y], fill=LANE, width=5)
        draw.text((x0 + 10, y0 - 44), grids[grid_id].name, fill=(90, 80, 60), font=label_font)
    # A main road across the village and the river along its south.
    draw.line([0, height // 2, WIDTH, height // 2 - 40], fill=(255, 255, 255), width=22)
    draw.line([0, height - 30, WIDTH, height - 60], fill=(170, 205, 230), width=36)
    for points in corners.values():
        draw.polygon([tuple(p) for p in points], fill=HOUSE, outline=HOUSE_EDGE)
    # North arrow and the name.
    draw.polygon([(WIDTH - 60, 30), (WIDTH - 75, 75), (WIDTH - 45, 75)], fill=(60, 60, 60))
    draw.text((WIDTH - 70, 78), "N", fill=(60, 60, 60), font=_font(26))
    draw.text((MARGIN, 30), f"{community.name} 平面示意图", fill=(60, 50, 40), font=_font(40))
    buffer = io.BytesIO()
    image.save(buffer, "PNG", optimize=True)
    return buffer.getvalue(), corners


@transaction.atomic
def add_demo_map(community, actor) -> int:
    """Upload the drawn plan and draw every building on it, through the services."""
    if not Building.objects.filter(community=community).exists():
        return 0
    data, corners = plan_image(community)
    maps.upload_plan(actor, community, data, "demo-site-plan.png")
    features = [{"type": "Feature", "properties": {"building_id": pk},
                 "geometry": {"type": "Polygon", "coordinates": [[*points, points[0]]]}}
                for pk, points in corners.items()]
    result = maps.import_geojson(actor, community, json.dumps({"type": "FeatureCollection",
                                                               "features": features}).encode())
    return result.created
