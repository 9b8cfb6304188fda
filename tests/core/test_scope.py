from fangkong.core.models import Building, Community, Grid, Household, Person


def names(queryset):
    return sorted(str(obj) for obj in queryset)


def test_command_post_sees_whole_community_only(world):
    user = world.users["command_post"]
    assert names(Person.objects.visible_to(user)) == ["张三", "李四", "王五"]
    assert names(Community.objects.visible_to(user)) == ["潯美社区"]


def test_grid_worker_sees_only_own_grid(world):
    user = world.users["grid_worker"]
    assert names(Person.objects.visible_to(user)) == ["张三", "李四"]
    assert list(Grid.objects.visible_to(user)) == [world.grid1]
    assert names(Building.objects.visible_to(user)) == ["17", "564"]


def test_building_leader_sees_only_own_buildings(world):
    user = world.users["building_leader"]
    assert names(Person.objects.visible_to(user)) == ["张三"]
    assert list(Household.objects.visible_to(user)) == [world.household_a1]
    # The grid and community that hold the building are visible, once each.
    assert list(Grid.objects.visible_to(user)) == [world.grid1]
    assert list(Community.objects.visible_to(user)) == [world.community]


def test_district_viewer_sees_several_communities_but_writes_nothing(world):
    user = world.users["district_viewer"]
    assert Person.objects.visible_to(user).count() == 4
    assert Person.objects.visible_to(user, write=True).count() == 0


def test_user_without_role_sees_nothing(world):
    assert Person.objects.visible_to(world.users["nobody"]).count() == 0


def test_building_order_is_natural(world):
    Building.objects.create(community=world.community, grid=world.grid1, door_number="3")
    Building.objects.create(community=world.community, grid=world.grid1, door_number="17-1")
    doors = [b.door_number for b in Building.objects.filter(community=world.community)]
    assert doors == ["3", "17", "17-1", "564", "800"]


def test_import_jobs_are_seen_by_their_author_and_the_command_post(world):
    from fangkong.registry.models import ImportJob

    leader, command = world.users["building_leader"], world.users["command_post"]
    own = ImportJob.objects.create(community=world.community, created_by=leader, original_name="a.xlsx")
    other = ImportJob.objects.create(community=world.community, created_by=world.users["grid_worker"],
                                     original_name="b.xlsx")
    elsewhere = ImportJob.objects.create(community=world.other_community, created_by=world.users["outsider"],
                                         original_name="c.xlsx")
    assert list(ImportJob.objects.visible_to(leader)) == [own]
    assert set(ImportJob.objects.visible_to(command)) == {own, other}
    assert elsewhere not in ImportJob.objects.visible_to(command)
