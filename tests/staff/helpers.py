import datetime as dt

from django.utils import timezone

from fangkong.staff import services
from fangkong.staff.models import Post, PostKind, Worker

TOMORROW = timezone.localdate() + dt.timedelta(days=1)


def worker(world, name="林志强", user=None, grid=None, **extra):
    return Worker.objects.create(community=world.community, name=name, phone="13905951111", user=user,
                                 grid=grid or world.grid1, arrived_on=timezone.localdate() - dt.timedelta(days=3),
                                 **extra)


def post(world, name="浔美路卡口1号通道", grid=None):
    return Post.objects.create(community=world.community, grid=grid or world.grid1, kind=PostKind.CHECKPOINT, name=name)


def shifts(world):
    return services.ensure_shifts(world.community)
