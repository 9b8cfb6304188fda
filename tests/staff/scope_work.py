"""Staff rows inside and outside each role's scope, for tests/test_scope_matrix.py."""

from fangkong.staff import services
from fangkong.staff.models import (
    Assignment,
    AssignmentKind,
    Duty,
    Post,
    PostKind,
    Task,
    Team,
    TeamKind,
    VolunteerSignup,
    Worker,
)

from .helpers import TOMORROW


def add_work(world):
    command = world.users["command_post"]
    for community, grid, building in [(world.community, world.grid1, world.building_a),
                                      (world.community, world.grid2, world.building_c),
                                      (world.other_community, None, world.other_building)]:
        worker = Worker.objects.create(community=community, name="工作人员", phone="13900000000", grid=grid)
        team = Team.objects.create(community=community, grid=grid, kind=TeamKind.GATE, name="卡口组", leader=worker)
        post = Post.objects.create(community=community, grid=grid, kind=PostKind.PATROL, name="巡逻")
        shift = services.ensure_shifts(community)[0]
        start, end = services.shift_span(shift, TOMORROW)
        Duty.objects.create(community=community, post=post, shift=shift, worker=worker, on=TOMORROW,
                            starts_at=start, ends_at=end)
        Task.objects.create(community=community, title="消杀", owner_team=team, grid=grid, building=building)
        Assignment.objects.create(community=community, worker=worker, kind=AssignmentKind.BUILDING, building=building,
                                  grid_id=building.grid_id)
        VolunteerSignup.objects.create(community=community, name="志愿者", phone="13900000001")
    # The building leader is also a worker with a shift of their own.
    mine = Worker.objects.create(community=world.community, name="楼长", user=world.users["building_leader"])
    post = Post.objects.filter(community=world.community).first()
    shift = services.ensure_shifts(world.community)[1]
    start, end = services.shift_span(shift, TOMORROW)
    Duty.objects.create(community=world.community, post=post, shift=shift, worker=mine, on=TOMORROW,
                        starts_at=start, ends_at=end)
    del command
