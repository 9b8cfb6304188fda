"""The demo community: an old urban village like 浔美社区(旧村) in the first field report.

7 grids in 3 zones, 17 units, 120 buildings whose door numbers jump (17 stands beside 564),
most of them shared rental buildings with a landlord, and 5,957 persons of whom about 90% are
migrant workers living several to a room. IDs, phones, names, occupations and special-care tags
look real; a few buildings are sealed and grid 5 is controlled, as in the report.

Everything comes from one ``random.Random(seed)``: the same seed builds the same names, ID numbers
and phones every time. Ages count back from the first day of the month the demo is built in, so
that infants stay infants and exam students sit this year's exam; within a month the ID numbers are
the same too.
The whole build is one transaction of bulk inserts; ``fill_derived()`` sets the sort and search
keys that ``save()`` would have set. It is not a user's action, so it writes one audit entry, not
one per row.

``build_demo()`` builds it, ``rebuild_demo()`` replaces it, ``demo_accounts()`` lists the demo
users (one per role, password ``DEMO_PASSWORD``). The ``demo`` management command calls these.
"""

import math
import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from importlib import import_module

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.contrib.auth.models import Permission
from django.db import transaction
from django.db.models import Count, Q
from django.utils import timezone, translation
from django.utils.module_loading import module_has_submodule
from django.utils.translation import gettext as _

from fangkong.lib.idnumber import make as make_id
from fangkong.lib.naturalsort import natural_key

from .models import (
    AuditAction,
    AuditEntry,
    Building,
    CareTag,
    Community,
    ControlStatus,
    Grid,
    Household,
    HouseholdStatus,
    IdType,
    Person,
    PersonTag,
    Residence,
    Residency,
    Role,
    RoleAssignment,
    Sex,
    TimelineEntry,
    Unit,
    Zone,
)

DEMO_CODE = "demo-xunmei"
DEMO_NAME = "浔美社区(旧村)"
DEMO_DISTRICT = "泉州市丰泽区城东街道"
DEMO_AREA_KM2 = Decimal("0.85")
DEMO_PASSWORD = "fangkong-demo"
DEMO_SEED = 2022
TARGET_PERSONS = 5957  # 潯美社區(舊村)有居民5957人,其中90%是外來工
BATCH = 1000
CENTER = (24.900, 118.630)  # latitude, longitude

# --- the plan of the village ----------------------------------------------------------------

ZONES = ["一片区", "二片区", "三片区"]
GRID_NAMES = ["第一网格", "第二网格", "第三网格", "第四网格", "第五网格", "第六网格", "第七网格"]
GRID_ZONE = [0, 0, 1, 1, 1, 2, 2]
GRID_BUILDINGS = [14, 13, 15, 17, 26, 19, 16]  # 120
GRID_UNITS = [2, 2, 3, 2, 3, 3, 2]  # 17
# Centre of each grid, metres east and north of CENTER.
GRID_OFFSETS = [(-170, 230), (150, 240), (-330, 10), (-60, 20), (260, 0), (-160, -230), (170, -240)]
# Grid 5 as the report tells it: "17号房屋的隔壁房屋居然是564号; 最小门牌号是3号, 最大门牌号却是800号".
GRID5_DOORS = ["17", "564", "3", "800", "88A", "21", "21-1"]
SEALED_DOORS = ["564", "21-1", "800"]  # in grid 5, which is controlled
CONTROLLED_GRID = 5
N_FAMILY_HOMES = 17  # registered families' own houses
N_OLD_HOUSES = 8  # one elderly person living alone
LANDLORD_ONSITE = 0.7  # share of rental buildings whose landlord's family lives on the top floor
LOCAL_RENTERS = 0.07  # share of rented rooms let to registered residents (young local couples)
VACANT = 0.06
AWAY = 0.03

# --- names ------------------------------------------------------------------------------------

# Surnames in order of national frequency; weights fall off with rank.
NATIONAL_SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁"
    "任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
# The old families of a Quanzhou village.
LOCAL_SURNAMES = "陈黄林蔡王吴庄洪许苏李郑曾施张杨刘郭柯傅蒋潘"
GIVEN = {
    ("M", "old"): "国建华明志文德福金荣春海庆忠军平永水清火土生发财添丁进来",
    ("M", "mid"): "伟强磊军勇杰涛超辉刚健斌波鹏飞鑫浩俊峰龙亮阳凯毅兵东林志明华平",
    ("M", "new"): "宇轩浩然睿博子墨梓豪俊熙一诺皓泽铭宸奕晨煜辰沐阳嘉",
    ("F", "old"): "秀英兰桂珍玉凤梅淑芳丽华金银春美爱惠月娥素",
    ("F", "mid"): "芳娜敏静丽艳娟霞燕红玲琳洁婷雪慧倩颖萍莉琴丹晶",
    ("F", "new"): "欣怡梓涵诗雨桐语嫣可馨思琪子萱依若汐佳悦彤",
}

# --- where people come from -------------------------------------------------------------------

# Quanzhou: 丰泽区 (350503) was cut from 鲤城区 (350502) in 1997; older IDs keep the old code.
LOCAL_AREAS = [("350503", 60), ("350502", 20), ("350582", 7), ("350583", 7), ("350521", 6)]
LOCAL_AREAS_BEFORE_1997 = [("350502", 50), ("350503", 35), ("350582", 5), ("350583", 5), ("350521", 5)]
MIGRANT_ORIGINS = [
    # 四川达州
    (["513021", "513022", "513023", "513029", "513030", "511721", "511722"], 25),
    # 贵州黔东南
    (["522601", "522622", "522623", "522624", "522627", "522631", "522632", "522633"], 20),
    # 江西赣州
    (["360721", "360722", "360726", "360730", "360731", "360732", "360733", "360734"], 15),
    # 河南信阳
    (["411521", "411522", "411524", "411525", "411526", "411527", "411528"], 12),
    # 湖南邵阳
    (["430521", "430522", "430523", "430524", "430525", "430528"], 10),
    # 重庆
    (["500228", "500229", "500230", "500233", "500235", "500236"], 6),
    # 安徽阜阳
    (["341221", "341222", "341225", "341226", "341282"], 5),
    # 福建龙岩、宁德、三明
    (["350821", "350824", "350921", "350924", "350425", "350427"], 7),
]

PHONE_PREFIXES = [
    "130", "131", "132", "133", "134", "135", "136", "137", "138", "139", "150", "151", "152", "153",
    "155", "156", "157", "158", "159", "166", "173", "175", "176", "177", "180", "181", "182", "183",
    "185", "186", "187", "188", "189", "191", "198", "199",
]

# --- what people do ---------------------------------------------------------------------------

FACTORIES = [
    "浔美鞋业有限公司", "东海针织服装厂", "城东五金制品厂", "浔美石材加工厂", "恒兴包装彩印厂",
    "城东电子元件厂", "海丝食品有限公司", "浔美伞业有限公司", "丰泽纸品厂", "东海体育用品有限公司",
]
MIGRANT_JOBS = [  # (occupation, weight, workplaces)
    ("工厂工人", 45, FACTORIES),
    ("建筑工人", 8, ["东海片区工地", "城东安置房项目", "浔美旧改工地"]),
    ("个体户", 7, ["浔美菜市场", "沙县小吃(浔美店)", "浔美五金店", "城东理发店", "水果摊"]),
    ("外卖骑手", 6, ["美团外卖城东站", "饿了么丰泽站"]),
    ("服务员", 6, ["东海湾酒楼", "城东大排档", "浔美快餐店"]),
    ("家务", 6, [""]),
    ("快递员", 4, ["顺丰速运城东网点", "中通快递浔美网点", "韵达快递城东网点"]),
    ("无业", 4, [""]),
    ("保洁员", 3, ["丰泽区环卫站", "城东物业公司"]),
    ("司机", 3, ["货运(个人)", "泉州公交城东车队"]),
    ("销售", 3, ["丰泽万达广场", "城东建材市场"]),
    ("厨师", 3, ["东海湾酒楼", "城东大排档"]),
    ("电工", 2, ["城东电器维修部"]),
]
RESIDENT_JOBS = [
    ("个体户", 30, ["房屋出租", "浔美菜市场", "浔美小卖部", "石材加工"]),
    ("公司职员", 25, ["泉州东海湾置业", "丰泽区农商银行", "泉州电信城东营业厅"]),
    ("司机", 8, ["泉州公交城东车队", "货运(个人)"]),
    ("教师", 6, ["城东中心小学", "城东中学"]),
    ("社区工作人员", 4, ["浔美社区居委会"]),
    ("家务", 12, [""]),
    ("无业", 5, [""]),
]
SENIOR_SCHOOL = "泉州第七中学"
SCHOOLS = [(3, "浔美幼儿园"), (6, "城东中心小学"), (12, "城东中学"), (15, SENIOR_SCHOOL), (18, "华侨大学")]

MIGRANT_AGES = [((18, 24), 20), ((25, 34), 38), ((35, 44), 25), ((45, 54), 12), ((55, 64), 5)]
CHRONIC_NOTES = ["高血压", "糖尿病", "高血压、糖尿病", "冠心病", "慢阻肺"]
DISABILITY_NOTES = ["肢体残疾二级", "肢体残疾三级", "视力残疾一级", "听力残疾二级", "智力残疾三级"]
DIALYSIS_NOTES = ["每周一、三、五血液透析 · 泉州市第一医院", "每周二、四、六血液透析 · 泉州市第一医院",
                  "每周二、五血液透析 · 丰泽区医院"]
N_DIALYSIS = 5

# --- the demo accounts ------------------------------------------------------------------------


@dataclass(frozen=True)
class Account:
    username: str
    full_name: str
    role: str
    grids: tuple[int, ...] = ()
    doors: tuple[str, ...] = ()
    reveal: bool = False


ACCOUNTS = [
    Account("command", "陈建华", Role.COMMAND_POST, reveal=True),
    Account("gridleader", "曾春明", Role.GRID_LEADER, grids=(4,), reveal=True),
    Account("gridworker", "苏德华", Role.GRID_WORKER, grids=(5,)),
    Account("buildingleader", "蔡文彬", Role.BUILDING_LEADER, doors=("17", "564", "88A")),
    Account("sampler", "黄丽娟", Role.SAMPLER),
    Account("guard", "吴国庆", Role.GUARD),
    Account("volunteer", "傅佳明", Role.DELIVERY_VOLUNTEER, doors=("564", "21-1", "800", "3")),
    Account("district", "王海燕", Role.DISTRICT_VIEWER),
    Account("districtadmin", "林志强", Role.DISTRICT_ADMIN),
]
USERNAMES = [account.username for account in ACCOUNTS]


class DemoError(Exception):
    """The demo cannot be built as asked (for example, a demo username belongs to a real user)."""


# --- small helpers ----------------------------------------------------------------------------


def _cum(weighted):
    items = [item for item, _weight in weighted]
    total, cum = 0, []
    for _item, weight in weighted:
        total += weight
        cum.append(total)
    return items, cum


def _age_on(birth: date, day: date) -> int:
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def _decimal(value: float) -> Decimal:
    return Decimal(f"{value:.6f}")


@dataclass
class _PersonPlan:
    """A person before it is a row: the model instance plus what goes into other tables."""

    person: Person
    moved_in: date
    tags: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


class _Village:
    """Draws everything from one random generator, in one fixed order."""

    def __init__(self, seed: int, today: date):
        self.rng = random.Random(seed)
        self.anchor = today.replace(day=1)  # ages and dates count back from here
        # The next 高考 (early June): this year's until June, next year's after.
        self.exam_year = self.anchor.year if self.anchor.month <= 6 else self.anchor.year + 1
        self.id_seen: set[str] = set()
        self.phone_seen: set[str] = set()
        self.national = _cum([(ch, 1000 / (rank + 8)) for rank, ch in enumerate(NATIONAL_SURNAMES)])
        self.local = _cum([(ch, 1000 / (rank + 3)) for rank, ch in enumerate(LOCAL_SURNAMES)])
        self.origins = _cum(MIGRANT_ORIGINS)
        self.local_areas = _cum(LOCAL_AREAS)
        self.local_areas_old = _cum(LOCAL_AREAS_BEFORE_1997)
        self.migrant_jobs = _cum([((job, places), weight) for job, weight, places in MIGRANT_JOBS])
        self.resident_jobs = _cum([((job, places), weight) for job, weight, places in RESIDENT_JOBS])
        self.migrant_ages = _cum(MIGRANT_AGES)
        self.plans: list[_PersonPlan] = []

    def pick(self, weighted):
        items, cum = weighted
        return self.rng.choices(items, cum_weights=cum)[0]

    # identity

    def surname(self, local: bool) -> str:
        return self.pick(self.local if local else self.national)

    def given_name(self, sex: str, birth: date) -> str:
        era = "old" if birth.year < 1965 else "mid" if birth.year < 2000 else "new"
        chars = GIVEN[(sex, era)]
        first = self.rng.choice(chars)
        if self.rng.random() < (0.25 if era == "old" else 0.12):
            return first
        second = self.rng.choice(chars)
        while second == first:
            second = self.rng.choice(chars)
        return first + second

    def birth(self, age_min: int, age_max: int) -> date:
        """A birth date such that the age on the anchor day lies in [age_min, age_max]."""
        latest = self.anchor.replace(year=self.anchor.year - age_min)
        earliest = self.anchor.replace(year=self.anchor.year - age_max - 1) + timedelta(days=1)
        return earliest + timedelta(days=self.rng.randrange((latest - earliest).days + 1))

    def id_number(self, area: str, birth: date, sex: str) -> str:
        while True:
            sequence = self.rng.randrange(500) * 2 + (1 if sex == Sex.MALE else 0)
            first17 = f"{area}{birth:%Y%m%d}{sequence:03d}"
            if first17 not in self.id_seen:
                self.id_seen.add(first17)
                return make_id(first17)

    def phone(self) -> str:
        while True:
            number = self.rng.choice(PHONE_PREFIXES) + f"{self.rng.randrange(10**8):08d}"
            if number not in self.phone_seen:
                self.phone_seen.add(number)
                return number

    def local_area(self, birth: date) -> str:
        return self.pick(self.local_areas_old if birth.year < 1997 else self.local_areas)

    def migrant_area(self, home: str | None = None) -> str:
        """A county code; with ``home``, usually the same province (people come with neighbours)."""
        if home and self.rng.random() < 0.7:
            return home
        return self.rng.choice(self.pick(self.origins))

    # persons

    def person(self, household, *, sex: str, birth: date, resident: bool, relation: str,
               surname: str | None = None, area: str | None = None, moved_in: date | None = None) -> _PersonPlan:
        age = _age_on(birth, self.anchor)
        name = (surname or self.surname(resident)) + self.given_name(sex, birth)
        area = area or (self.local_area(birth) if resident else self.migrant_area())
        person = Person(
            community=household.community, household=household, name=name, id_type=IdType.RESIDENT_ID,
            id_number=self.id_number(area, birth, sex), sex=sex, birth_date=birth,
            residency=Residency.RESIDENT if resident else Residency.MIGRANT, relation=relation,
        )
        wants_phone = (age >= 16 and self.rng.random() < (0.55 if age >= 75 else 0.97)) or (
            12 <= age < 16 and self.rng.random() < 0.3)
        if wants_phone:
            person.phone = self.phone()
        self.occupation(person, age, resident)
        if moved_in is None:
            days = self.rng.randrange(30, 15000 if resident else 2200)
            moved_in = self.anchor - timedelta(days=days)
        plan = _PersonPlan(person, max(moved_in, birth))
        self.plans.append(plan)
        return plan

    def occupation(self, person: Person, age: int, resident: bool):
        if age < 3:
            return
        school = next(name for start, name in reversed(SCHOOLS) if age >= start)
        if age < 16 or (age < 19 and resident) or (age < 18 and self.rng.random() < 0.6) or (
                age < 22 and resident and self.rng.random() < 0.5):
            person.occupation, person.workplace = "学生", school
            return
        if (resident and age >= 60) or (not resident and age >= 62):
            person.occupation = "退休" if resident else self.rng.choice(["家务", "无业", "保洁员"])
            return
        job, places = self.pick(self.migrant_jobs if not resident else self.resident_jobs)
        person.occupation, person.workplace = job, self.rng.choice(places)

    def family(self, household, *, resident: bool, size: int | None = None, householder_relation="户主",
               moved_in: date | None = None) -> list[_PersonPlan]:
        """A householder with spouse, children and perhaps parents; ``size`` fixes the head count."""
        rng = self.rng
        male_head = rng.random() < 0.78
        if resident:
            head_age = rng.randint(38, 68) if householder_relation == "户主" else rng.randint(22, 35)
        else:
            low, high = self.pick(self.migrant_ages)
            head_age = rng.randint(max(low, 22), high)
        area = None if resident else self.migrant_area()  # None: a Quanzhou code by birth year
        head_sex = Sex.MALE if male_head else Sex.FEMALE
        family_surname = self.surname(resident)
        members = [self.person(household, sex=head_sex, birth=self.birth(head_age, head_age), resident=resident,
                               relation=householder_relation, surname=family_surname if male_head else None,
                               area=area, moved_in=moved_in)]
        head_surname = members[0].person.name[0]
        if size is None:
            size = rng.choices([2, 3, 4, 5, 6], weights=[15, 25, 30, 20, 10])[0]
        if size == 1:
            return members
        spouse_age = max(20, min(head_age + rng.randint(-6, 3) if male_head else head_age + rng.randint(-2, 6), 90))
        spouse_birth = self.birth(spouse_age, spouse_age)
        spouse_area = self.migrant_area(area) if not resident else None
        members.append(self.person(household, sex=Sex.FEMALE if male_head else Sex.MALE, birth=spouse_birth,
                                   resident=resident, relation="配偶",
                                   surname=None if male_head else family_surname,
                                   area=spouse_area, moved_in=moved_in))
        mother_age = spouse_age if male_head else head_age
        for _index in range(size - 2):
            roll = rng.random()
            if not resident and 0.12 <= roll < 0.35:  # a brother, sister or cousin who came along
                relative_age = max(18, min(head_age + rng.randint(-8, 8), 50))
                members.append(self.person(
                    household, sex=rng.choice([Sex.MALE, Sex.FEMALE]), birth=self.birth(relative_age, relative_age),
                    resident=False, relation="同住", area=self.migrant_area(area)))
                continue
            if roll < (0.12 if not resident else 0.15) and head_age < 60:
                parent_age = min(head_age + rng.randint(22, 32), 95 if resident else 80)
                sex = rng.choice([Sex.MALE, Sex.FEMALE])
                members.append(self.person(
                    household, sex=sex, birth=self.birth(parent_age, parent_age), resident=resident,
                    relation="父母", surname=head_surname if sex == Sex.MALE else None,
                    area=area, moved_in=moved_in))
                continue
            if resident and roll < 0.3 and 36 <= mother_age <= 60:
                birth = self.exam_birth()  # a child in the last year of senior school
            else:
                oldest = min(mother_age - 19, 30 if resident else 17)
                child_age = rng.randint(0, max(0, oldest))
                if child_age == 0 and oldest > 0 and rng.random() < 0.7:  # not every family has a baby
                    child_age = rng.randint(1, oldest)
                birth = self.birth(child_age, child_age)
            sex = rng.choice([Sex.MALE, Sex.FEMALE])
            members.append(self.person(household, sex=sex, birth=birth, resident=resident, relation="子女",
                                       surname=family_surname, area=area, moved_in=moved_in))
        return members

    def exam_birth(self) -> date:
        """Born between September Y-18 and August Y-17: sits the 高考 in June of ``exam_year``."""
        start = date(self.exam_year - 18, 9, 1)
        end = date(self.exam_year - 17, 8, 31)
        return start + timedelta(days=self.rng.randrange((end - start).days + 1))

    def shared_room(self, household, size: int) -> list[_PersonPlan]:
        """Workers sharing a rented room: a tenant and his or her roommates, often from one county."""
        rng = self.rng
        sex = Sex.MALE if rng.random() < 0.65 else Sex.FEMALE
        home = self.migrant_area()
        members = []
        for index in range(size):
            low, high = self.pick(self.migrant_ages)
            age = rng.randint(low, high)
            member_sex = sex if rng.random() < 0.85 else (Sex.FEMALE if sex == Sex.MALE else Sex.MALE)
            members.append(self.person(household, sex=member_sex, birth=self.birth(age, age), resident=False,
                                       relation="租户" if index == 0 else "同住",
                                       area=self.migrant_area(home)))
        return members


# --- building -----------------------------------------------------------------------------------


def find_demo() -> Community | None:
    return Community.objects.filter(code=DEMO_CODE).first()


def _door_numbers(rng: random.Random, count: int, taken: list[str]) -> list[str]:
    used = set(taken)
    doors = []
    while len(doors) < count:
        base = rng.randint(1, 860)
        roll = rng.random()
        if roll < 0.06:
            door = f"{base}-{rng.randint(1, 3)}"
        elif roll < 0.10:
            door = f"{base}{rng.choice('AB')}"
        else:
            door = str(base)
        if door not in used:
            used.add(door)
            doors.append(door)
    return doors


def _place(rng, grid_index: int, slot: int, slots: int) -> tuple[Decimal, Decimal, dict]:
    """A position on a jittered lattice inside the grid's patch, and a small footprint."""
    columns = math.ceil(math.sqrt(slots))
    east0, north0 = GRID_OFFSETS[grid_index]
    spacing = 24
    east = east0 + (slot % columns - (columns - 1) / 2) * spacing + rng.uniform(-4, 4)
    north = north0 - (slot // columns - (columns - 1) / 2) * spacing + rng.uniform(-4, 4)
    metres_lat = 111_320
    metres_lon = 111_320 * math.cos(math.radians(CENTER[0]))
    lat = CENTER[0] + north / metres_lat
    lon = CENTER[1] + east / metres_lon
    half_w, half_h = rng.uniform(6, 9) / metres_lon, rng.uniform(5, 8) / metres_lat
    ring = [[lon - half_w, lat - half_h], [lon + half_w, lat - half_h], [lon + half_w, lat + half_h],
            [lon - half_w, lat + half_h], [lon - half_w, lat - half_h]]
    outline = {"type": "Polygon", "coordinates": [[[round(x, 7), round(y, 7)] for x, y in ring]]}
    return _decimal(lat), _decimal(lon), outline


def _registered(day: date) -> datetime:
    return timezone.make_aware(datetime.combine(day, time(9, 0)))


@transaction.atomic
def build_demo(seed: int = DEMO_SEED, today: date | None = None) -> Community:
    """Build the demo community with its demo accounts; refuse if it is already there."""
    if find_demo():
        raise DemoError(_("The demo community is already there; rebuild it instead."))
    today = today or timezone.localdate()
    _demo_users(None).delete()  # left over from a demo community deleted by other means
    # Rows keep their text in the site's language, whatever language the caller runs in.
    with translation.override(settings.LANGUAGE_CODE):
        community = _build(seed, today)
        ensure_accounts(community, fresh=True)
        counts = demo_summary(community)
        _add_work(community, today, seed)
        AuditEntry.objects.create(
            community=community, action=AuditAction.CREATE, object_type="community",
            object_id=str(community.pk), object_repr=str(community)[:200],
            reason=_("Demo community built by the demo command"),
            changes={key: ["", str(value)] for key, value in counts.items()},
        )
    return community


def _app_demos():
    """Each app's ``demo`` module (screening, testing, health control), found by name: core names no app."""
    for config in apps.get_app_configs():
        if config.name.startswith("fangkong.") and config.name != "fangkong.core" \
                and module_has_submodule(config.module, "demo"):
            yield import_module(f"{config.name}.demo")


def _add_work(community: Community, today: date, seed: int) -> None:
    """The day's work in progress, so that every page has something to show, done by the demo
    command post through each app's services."""
    actor = get_user_model().objects.get(username=ACCOUNTS[0].username)
    for module in _app_demos():
        module.add_demo(community, actor, today, seed)


def _build(seed: int, today: date) -> Community:
    village = _Village(seed, today)
    rng = village.rng
    community = Community.objects.create(name=DEMO_NAME, code=DEMO_CODE, district=DEMO_DISTRICT,
                                         area_km2=DEMO_AREA_KM2)
    zones = [Zone.objects.create(community=community, name=name) for name in ZONES]
    grids, units = [], []
    for index, name in enumerate(GRID_NAMES):
        grid = Grid.objects.create(
            community=community, zone=zones[GRID_ZONE[index]], number=index + 1, name=name,
            control_status=ControlStatus.CONTROLLED if index + 1 == CONTROLLED_GRID else ControlStatus.NORMAL)
        grids.append(grid)
        units.append([Unit.objects.create(community=community, grid=grid, name=f"{index + 1}-{k + 1}责任单元")
                      for k in range(GRID_UNITS[index])])

    # Door numbers, dealt to the grids at random. Grid 5 gets the report's ones, and the rest of
    # its doors lie between its smallest (3) and its largest (800).
    others = _door_numbers(rng, sum(GRID_BUILDINGS) - len(GRID5_DOORS), GRID5_DOORS)
    rng.shuffle(others)
    grid5_extra = GRID_BUILDINGS[4] - len(GRID5_DOORS)
    inside = [door for door in others if natural_key("3") < natural_key(door) < natural_key("800")][:grid5_extra]
    rest = [door for door in others if door not in inside]
    non_rental = rng.sample(others, N_FAMILY_HOMES + N_OLD_HOUSES)
    kind_of = {door: "family" for door in non_rental[:N_FAMILY_HOMES]}
    kind_of.update({door: "old" for door in non_rental[N_FAMILY_HOMES:]})
    buildings: list[Building] = []
    kinds: dict[int, str] = {}
    for grid_index, grid in enumerate(grids):
        count = GRID_BUILDINGS[grid_index]
        if grid_index + 1 == 5:
            doors = GRID5_DOORS + inside
        else:
            doors, rest = rest[:count], rest[count:]
        door_kinds = [kind_of.get(door, "rental") for door in doors]
        grid_units = units[grid_index]
        for slot, (door, kind) in enumerate(zip(doors, door_kinds, strict=True)):
            lat, lon, outline = _place(rng, grid_index, slot, count)
            status = ControlStatus.SEALED if door in SEALED_DOORS else ControlStatus.NORMAL
            floors = (rng.choices([3, 4, 5, 6, 7], weights=[10, 25, 30, 20, 15])[0] if kind == "rental"
                      else rng.randint(2, 4) if kind == "family" else rng.randint(1, 2))
            building = Building(
                community=community, grid=grid, unit=grid_units[slot * len(grid_units) // count],
                door_number=door, floors=floors, is_rental=kind == "rental", latitude=lat, longitude=lon,
                outline=outline, control_status=status,
            )
            kinds[id(building)] = kind
            buildings.append(building)
    # Two buildings under control elsewhere (a case nearby), for the map.
    for building in [b for b in buildings if b.grid.number == 2][:1] + [b for b in buildings if b.grid.number == 6][:1]:
        building.control_status = ControlStatus.CONTROLLED

    # Households and the people in them, building by building.
    households: list[Household] = []
    family_heads: list[_PersonPlan] = []
    migrant_rooms: list[Household] = []
    local_rooms: list[Household] = []
    old_houses = [b for b in buildings if kinds[id(b)] == "old"]
    homes = [b for b in buildings if kinds[id(b)] == "family"]
    rentals = [b for b in buildings if kinds[id(b)] == "rental"]

    def household(building, room, floor, status=HouseholdStatus.OCCUPIED, note=""):
        item = Household(community=community, building=building, room=room, floor=floor, status=status, note=note)
        households.append(item)
        return item

    for building in old_houses:
        home = household(building, "101", 1)
        age = rng.randint(72, 92)
        sex = Sex.FEMALE if rng.random() < 0.6 else Sex.MALE
        plan = village.person(home, sex=sex, birth=village.birth(age, age), resident=True, relation="户主",
                              moved_in=village.anchor - timedelta(days=rng.randrange(9000, 20000)))
        plan.tags.append(CareTag.ELDERLY_ALONE)
        plan.notes.append(rng.choice(["独居, 子女在外地", "独居, 子女在晋江", "独居, 老伴已故"]))
    for building in homes:
        rooms = ["101"] if building.floors < 3 or rng.random() < 0.5 else ["101", "201"]
        for room in rooms:
            home = household(building, room, int(room[0]))
            members = village.family(home, resident=True,
                                     moved_in=village.anchor - timedelta(days=rng.randrange(3000, 15000)))
            family_heads.append(members[0])
    for building in rentals:
        building.landlord_name = ""
        onsite = rng.random() < LANDLORD_ONSITE
        per_floor = rng.randint(3, 6)
        for floor in range(1, building.floors + 1):
            if onsite and floor == building.floors:
                home = household(building, f"{floor}01", floor, note="房东自住")
                members = village.family(home, resident=True,
                                         moved_in=village.anchor - timedelta(days=rng.randrange(2000, 12000)))
                head = members[0].person
                if not head.phone:
                    head.phone = village.phone()
                head.occupation, head.workplace = "个体户", "房屋出租"
                building.landlord_name, building.landlord_phone = head.name, head.phone
                continue
            for number in range(1, (per_floor if floor > 1 else max(2, per_floor - 1)) + 1):
                roll = rng.random()
                if roll < VACANT:
                    household(building, f"{floor}{number:02d}", floor, HouseholdStatus.VACANT)
                    continue
                if roll < VACANT + AWAY:
                    room = household(building, f"{floor}{number:02d}", floor, HouseholdStatus.AWAY,
                                     note=rng.choice(["返乡未归", "春节返乡, 未返泉", "外出务工"]))
                else:
                    room = household(building, f"{floor}{number:02d}", floor)
                if rng.random() < LOCAL_RENTERS:
                    local_rooms.append(room)
                else:
                    migrant_rooms.append(room)
        if not building.landlord_name:
            if family_heads and rng.random() < 0.5:
                owner = rng.choice(family_heads).person  # owns several buildings, lives in his house
                if not owner.phone:
                    owner.phone = village.phone()
                building.landlord_name, building.landlord_phone = owner.name, owner.phone
            else:
                building.landlord_name = village.surname(True) + village.given_name(
                    Sex.MALE if rng.random() < 0.8 else Sex.FEMALE, village.birth(45, 70))
                building.landlord_phone = village.phone()

    for room in local_rooms:  # young local couples renting
        village.family(room, resident=True, size=rng.choice([2, 2, 3]), householder_relation="租户",
                       moved_in=village.anchor - timedelta(days=rng.randrange(60, 1500)))

    # One foreign wife in a local family.
    for plan in village.plans:
        person = plan.person
        if person.relation == "配偶" and person.sex == Sex.FEMALE and person.residency == Residency.RESIDENT:
            village.id_seen.discard(person.id_number[:17])
            person.name, person.id_type = "阮氏梅", IdType.PASSPORT
            person.id_number = f"C{rng.randrange(10**7):07d}"
            person.residency, person.occupation, person.workplace = Residency.MIGRANT, "家务", ""
            plan.notes.append("越南籍")
            break

    # The migrants: sizes drawn, then nudged so the whole village counts exactly TARGET_PERSONS.
    sizes = rng.choices([1, 2, 3, 4, 5, 6], weights=[12, 22, 26, 22, 12, 6], k=len(migrant_rooms))
    gap = TARGET_PERSONS - len(village.plans) - sum(sizes)
    while gap:
        index = rng.randrange(len(sizes))
        if gap > 0 and sizes[index] < 7:
            sizes[index] += 1
            gap -= 1
        elif gap < 0 and sizes[index] > 1:
            sizes[index] -= 1
            gap += 1
    taiwanese = False
    for room, size in zip(migrant_rooms, sizes, strict=True):
        if size == 1 and not taiwanese and room.building.grid.number == 3:
            taiwanese = True
            birth = village.birth(40, 50)
            plan = village.person(room, sex=Sex.MALE, birth=birth, resident=False, relation="租户")
            person = plan.person
            village.id_seen.discard(person.id_number[:17])
            person.id_type = IdType.RESIDENCE_PERMIT
            person.id_number = village.id_number("830000", birth, Sex.MALE)
            person.occupation, person.workplace = "企业管理人员", "浔美鞋业有限公司(台资)"
            plan.notes.append("台湾居民")
        elif size >= 2 and rng.random() < 0.55:
            village.family(room, resident=False, size=size, householder_relation="租户")
        else:
            village.shared_room(room, size)

    _tag(village)

    # A few households under home quarantine in buildings that are otherwise normal.
    lived_in = {id(plan.person.household) for plan in village.plans}
    quarantined = [h for h in households if id(h) in lived_in and h.status == HouseholdStatus.OCCUPIED
                   and h.building.grid.number == 6 and h.building.control_status == ControlStatus.NORMAL]
    first = rng.choice(quarantined)
    second = rng.choice([h for h in quarantined if h.building is not first.building])
    for home in (first, second):
        home.control_status = ControlStatus.SEALED
        home.note = "居家隔离"

    # Write: buildings in shuffled order (door numbers are not typed in order), then the rest.
    created = list(buildings)
    rng.shuffle(created)
    Building.objects.bulk_create([b.fill_derived() for b in created], batch_size=BATCH)
    Household.objects.bulk_create([h.fill_derived() for h in households], batch_size=BATCH)
    persons = []
    for plan in village.plans:
        plan.person.note = "; ".join(plan.notes)[:200]
        persons.append(plan.person.fill_derived())
    Person.objects.bulk_create(persons, batch_size=BATCH)
    PersonTag.objects.bulk_create(
        [PersonTag(person=plan.person, tag=tag) for plan in village.plans for tag in plan.tags], batch_size=BATCH)
    Residence.objects.bulk_create(
        [Residence(community=community, person=plan.person, household=plan.person.household,
                   moved_in=_registered(plan.moved_in), reason=_("Registered"))
         for plan in village.plans], batch_size=BATCH)
    TimelineEntry.objects.bulk_create(
        [TimelineEntry(community=community, person=plan.person, at=_registered(plan.moved_in),
                       kind="registered",
                       text=_("Registered in %(place)s") % {"place": plan.person.household})
         for plan in village.plans], batch_size=BATCH)

    return community


def _tag(village: _Village):
    """Special-care tags at plausible rates, with the note a cadre would write."""
    rng, anchor = village.rng, village.anchor
    exam_year = village.exam_year
    for plan in village.plans:
        person = plan.person
        age = _age_on(person.birth_date, anchor)
        if age < 1:
            plan.tags.append(CareTag.INFANT)
            if rng.random() < 0.5:  # not registered yet: no document
                village.id_seen.discard(person.id_number[:17])
                person.id_type, person.id_number = IdType.NONE, ""
        if age >= 75 and rng.random() < 0.12:
            plan.tags.append(CareTag.BEDRIDDEN)
            plan.notes.append("长期卧床, 需入户采样")
        if (person.sex == Sex.FEMALE and 20 <= age <= 40 and person.relation in ("配偶", "户主", "租户")
                and rng.random() < 0.04):
            plan.tags.append(CareTag.PREGNANT)
            plan.notes.append(f"孕{rng.randint(8, 38)}周")
        if (age >= 55 and rng.random() < 0.25) or (40 <= age < 55 and rng.random() < 0.04):
            plan.tags.append(CareTag.CHRONIC)
            plan.notes.append(rng.choice(CHRONIC_NOTES))
        if age >= 5 and rng.random() < 0.006:
            plan.tags.append(CareTag.DISABILITY)
            plan.notes.append(rng.choice(DISABILITY_NOTES))
        # Migrant pupils mostly sit the exam in their home province: few of them are here.
        if (person.occupation == "学生" and date(exam_year - 18, 9, 1) <= person.birth_date
                <= date(exam_year - 17, 8, 31) and (person.residency == Residency.RESIDENT or rng.random() < 0.2)):
            plan.tags.append(CareTag.EXAM_STUDENT)
            person.workplace = SENIOR_SCHOOL
            plan.notes.append(f"高三, {exam_year}年高考")
        if age >= 18 and person.occupation == "无业" and rng.random() < 0.2:
            plan.tags.append(CareTag.HARDSHIP)
            if person.residency == Residency.RESIDENT:
                plan.notes.append("低保户")
            else:
                plan.notes.append("新到泉州, 暂无收入" if age < 50 else "无固定收入")
        elif age >= 18 and person.residency == Residency.RESIDENT and rng.random() < 0.01:
            plan.tags.append(CareTag.HARDSHIP)
            plan.notes.append("低保户")
    candidates = [plan for plan in village.plans
                  if 40 <= _age_on(plan.person.birth_date, anchor) <= 75 and CareTag.BEDRIDDEN not in plan.tags]
    for plan in rng.sample(candidates, N_DIALYSIS):
        plan.tags.append(CareTag.DIALYSIS)
        plan.notes.append(rng.choice(DIALYSIS_NOTES))


# --- accounts -----------------------------------------------------------------------------------


def _demo_users(community: Community | None):
    """Users named like the demo accounts that are nothing but demo accounts."""
    User = get_user_model()
    elsewhere = RoleAssignment.objects.all()
    if community:
        elsewhere = elsewhere.exclude(community=community)
    return (User.objects.filter(username__in=USERNAMES, is_superuser=False, is_staff=False)
            .exclude(pk__in=elsewhere.values("user_id")))


def ensure_accounts(community: Community, fresh: bool = False) -> list[str]:
    """Create the demo accounts that are missing; return their usernames.

    With ``fresh`` (a new build) a username that belongs to someone else is an error; otherwise
    that account is left alone and not listed."""
    User = get_user_model()
    existing = set(User.objects.filter(username__in=USERNAMES).values_list("username", flat=True))
    if fresh and existing:
        raise DemoError(_("These usernames are taken by users who are not demo accounts: %(names)s")
                        % {"names": ", ".join(sorted(existing))})
    reveal = Permission.objects.get(content_type__app_label="core", codename="reveal_personal_data")
    password = make_password(DEMO_PASSWORD)  # one slow hash for all; validators do not apply
    grids = {grid.number: grid for grid in Grid.objects.filter(community=community)}
    created = []
    for account in ACCOUNTS:
        if account.username in existing:
            continue
        user = User.objects.create_user(account.username, first_name=account.full_name, is_staff=False)
        user.password = password
        user.save(update_fields=["password"])
        assignment = RoleAssignment.objects.create(user=user, role=account.role, community=community)
        if account.grids:
            assignment.grids.set([grids[number] for number in account.grids])
        if account.doors:
            assignment.buildings.set(Building.objects.filter(community=community, door_number__in=account.doors))
        if account.reveal:
            user.user_permissions.add(reveal)
        created.append(account.username)
    return created


def demo_accounts(community: Community | None = None) -> list[dict]:
    """One row per demo account that holds a role in the demo community, in the order of roles."""
    community = community or find_demo()
    if community is None:
        return []
    assignments = {
        a.user.username: a
        for a in RoleAssignment.objects.filter(community=community, user__username__in=USERNAMES)
        .select_related("user").prefetch_related("grids", "buildings", "user__user_permissions")
    }
    rows = []
    for account in ACCOUNTS:
        assignment = assignments.get(account.username)
        if assignment is None:
            continue
        grids = sorted(assignment.grids.all(), key=lambda g: g.number)
        doors = sorted((b.door_number for b in assignment.buildings.all()), key=natural_key)
        if grids:
            scope = ", ".join(grid.name for grid in grids)
        elif doors:
            scope = _("Buildings %(doors)s") % {"doors": ", ".join(doors)}
        else:
            scope = _("Whole community: %(name)s") % {"name": community.name}
        if any(p.codename == "reveal_personal_data" for p in assignment.user.user_permissions.all()):
            scope += " · " + _("may see ID numbers and phones whole")
        rows.append({
            "username": account.username,
            "password": DEMO_PASSWORD,
            "role": str(Role(assignment.role).label),
            "name": assignment.user.first_name,
            "scope": scope,
        })
    return rows


# --- rebuilding ---------------------------------------------------------------------------------


@transaction.atomic
def delete_demo() -> bool:
    """Delete the demo community, everything in it and the demo users. The community's own audit
    entries go with it; one entry outside it records the deletion."""
    community = find_demo()
    _demo_users(community).delete()
    if community is None:
        return False
    AuditEntry.objects.create(
        community=None, action=AuditAction.DELETE, object_type="community", object_id=str(community.pk),
        object_repr=str(community)[:200], reason=_("Demo community deleted to be built again"),
    )
    # Inside out: buildings and households are PROTECTed against cascades from above, so the
    # collector cannot take them with the community. Leaf tables go in single statements; rows an
    # app protects (a transfer keeps its site) go first, by the app's own hand.
    for module in _app_demos():
        if hasattr(module, "remove_demo"):
            module.remove_demo(community)
    for model in (PersonTag, TimelineEntry, Residence):
        lookup = {"person__community": community} if model is PersonTag else {"community": community}
        model.objects.filter(**lookup).delete()
    for model in (Person, Household, Building):
        model.objects.filter(community=community).delete()
    community.delete()
    return True


@transaction.atomic
def rebuild_demo(seed: int = DEMO_SEED, today: date | None = None) -> Community:
    delete_demo()
    return build_demo(seed=seed, today=today)


def demo_summary(community: Community) -> dict[str, int]:
    persons = Person.objects.filter(community=community).aggregate(
        persons=Count("pk", distinct=True),
        migrants=Count("pk", filter=Q(residency=Residency.MIGRANT), distinct=True),
        special=Count("pk", filter=Q(tags__isnull=False), distinct=True),
    )
    return {
        "zones": Zone.objects.filter(community=community).count(),
        "grids": Grid.objects.filter(community=community).count(),
        "units": Unit.objects.filter(community=community).count(),
        "buildings": Building.objects.filter(community=community).count(),
        "households": Household.objects.filter(community=community).count(),
        **persons,
    }
