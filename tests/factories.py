"""A small world for tests: two communities, grids, buildings, households, people and one user
per role, so that every permission test reads as a sentence."""

from dataclasses import dataclass

from django.contrib.auth.models import Permission, User

from fangkong.core.models import (
    Building,
    Community,
    Grid,
    Household,
    Person,
    Role,
    RoleAssignment,
    Unit,
    Zone,
)
from fangkong.lib.idnumber import make

PASSWORD = "correct-horse-battery"


def id_number(seq: int, birth="19800101", area="350503") -> str:
    """A valid 18-character ID with the given sequence (odd: male)."""
    return make(f"{area}{birth}{seq:03d}")


@dataclass
class World:
    community: Community
    other_community: Community
    grid1: Grid
    grid2: Grid
    building_a: Building  # grid 1, the building leader's
    building_b: Building  # grid 1
    building_c: Building  # grid 2
    other_building: Building  # other community
    household_a1: Household
    household_b1: Household
    household_c1: Household
    other_household: Household
    person_a: Person  # in building A
    person_b: Person  # in building B
    person_c: Person  # in building C (grid 2)
    other_person: Person  # other community
    users: dict


def make_user(username, role=None, community=None, grids=(), buildings=(), reveal=False):
    user = User.objects.create_user(username, password=PASSWORD)
    if role:
        assignment = RoleAssignment.objects.create(user=user, role=role, community=community)
        assignment.grids.set(grids)
        assignment.buildings.set(buildings)
    if reveal:
        user.user_permissions.add(Permission.objects.get(codename="reveal_personal_data"))
    return user


def make_world() -> World:
    community = Community.objects.create(name="潯美社区", code="xunmei")
    other = Community.objects.create(name="金沙社区", code="jinsha")
    zone = Zone.objects.create(community=community, name="一片区")
    grid1 = Grid.objects.create(community=community, zone=zone, number=1, name="第一网格")
    grid2 = Grid.objects.create(community=community, zone=zone, number=2, name="第二网格")
    other_grid = Grid.objects.create(community=other, number=1, name="第一网格")
    unit1 = Unit.objects.create(community=community, grid=grid1, name="一单元")
    building_a = Building.objects.create(community=community, grid=grid1, unit=unit1, door_number="564",
                                         landlord_name="蔡建国", landlord_phone="13905951234", is_rental=True)
    building_b = Building.objects.create(community=community, grid=grid1, door_number="17")
    building_c = Building.objects.create(community=community, grid=grid2, door_number="800")
    other_building = Building.objects.create(community=other, grid=other_grid, door_number="3")
    households = {}
    for key, building in [("a1", building_a), ("b1", building_b), ("c1", building_c), ("o", other_building)]:
        households[key] = Household.objects.create(community=building.community, building=building,
                                                   room="101", floor=1)
    person_a = Person.objects.create(community=community, household=households["a1"], name="张三",
                                     id_number=id_number(11), phone="13812345678", residency="migrant")
    person_b = Person.objects.create(community=community, household=households["b1"], name="李四",
                                     id_number=id_number(22), phone="13912345679")
    person_c = Person.objects.create(community=community, household=households["c1"], name="王五",
                                     id_number=id_number(33), phone="15012345670")
    other_person = Person.objects.create(community=other, household=households["o"], name="赵六",
                                         id_number=id_number(44), phone="18612345671")
    users = {
        "command_post": make_user("command", Role.COMMAND_POST, community, reveal=True),
        "grid_leader": make_user("gridleader", Role.GRID_LEADER, community, grids=[grid1], reveal=True),
        "grid_worker": make_user("gridworker", Role.GRID_WORKER, community, grids=[grid1]),
        "building_leader": make_user("buildingleader", Role.BUILDING_LEADER, community, buildings=[building_a]),
        "sampler": make_user("sampler", Role.SAMPLER, community),
        "guard": make_user("guard", Role.GUARD, community),
        "delivery_volunteer": make_user("volunteer", Role.DELIVERY_VOLUNTEER, community, buildings=[building_a]),
        "district_viewer": make_user("district", Role.DISTRICT_VIEWER, community),
        "outsider": make_user("outsider", Role.COMMAND_POST, other),
        "nobody": make_user("nobody"),
    }
    RoleAssignment.objects.create(user=users["district_viewer"], role=Role.DISTRICT_VIEWER, community=other)
    return World(community, other, grid1, grid2, building_a, building_b, building_c, other_building,
                 households["a1"], households["b1"], households["c1"], households["o"],
                 person_a, person_b, person_c, other_person, users)
