"""The testing rounds' REST API: rounds you can see, scans one by one or in batches, results per
tube (JSON or a .csv/.xlsx file), coverage. Thin: the rules are in ``testing.services``.

A scan answers 201 (accepted), 200 (the same client id again: the first answer) or 400 with the
refusal's code (``unknown_code``, ``revoked_code``, ``already_sampled`` with ``tube``/``point``/``at``,
``tube_full``, ``tube_other_round``, ``out_of_scope``, ``round_closed``, ``not_allowed``, ``bad_request``). A batch
answers 200 with one answer per scan, in order, each with its ``client_id``.
"""


from drf_spectacular.utils import extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, JSONParser, MultiPartParser
from rest_framework.response import Response

from fangkong.core.rest.serializers import ErrorSerializer
from fangkong.core.rest.views import ScopedViewSet

from . import actions as can
from . import results_file, scanning, services
from .models import TestRound


class TestRoundSerializer(serializers.ModelSerializer):
    points = serializers.ListField(source="point_list", child=serializers.CharField(), read_only=True)

    class Meta:
        model = TestRound
        fields = ["id", "community", "name", "date", "pool_size", "points", "exempt_under_age", "retest_of",
                  "closed_at"]


class ScanSerializer(serializers.Serializer):
    tube_code = serializers.CharField(max_length=40)
    person_code = serializers.CharField(max_length=80, required=False, allow_blank=True)
    person_id = serializers.IntegerField(required=False, help_text="The manual fallback instead of a code")
    client_id = serializers.CharField(max_length=64)
    point = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    at = serializers.DateTimeField(required=False, allow_null=True, default=None,
                                   help_text="When the phone scanned (queued scans)")


class BatchSerializer(serializers.Serializer):
    # The scans themselves are read by the scan service, which answers bad_request for one it
    # cannot read: one bad scan does not refuse the queue, and a thousand are not validated twice.
    scans = serializers.ListField(max_length=5000, help_text="Scans as for one scan: tube_code, person_code "
                                  "(or person_id), client_id, point, at")


class RetestSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, allow_blank=True, max_length=100, default="",
                                 help_text="The retest round's name; the round's name and 单管复核 when left out")


class ResultRowSerializer(serializers.Serializer):
    tube = serializers.CharField(max_length=40)
    result = serializers.CharField(max_length=20, help_text="negative / positive / invalid (阴性 / 阳性 / 无效)")
    at = serializers.CharField(required=False, allow_blank=True, default="")


class ResultsSerializer(serializers.Serializer):
    results = ResultRowSerializer(many=True, required=False)
    file = serializers.FileField(required=False, help_text=".csv or .xlsx: tube, result, time")


ANSWER = inline_serializer("ScanAnswer", {
    "ok": serializers.BooleanField(), "code": serializers.CharField(), "message": serializers.CharField(),
    "person": serializers.CharField(required=False), "place": serializers.CharField(required=False),
    "tube": serializers.CharField(required=False), "n": serializers.IntegerField(required=False),
    "pool_size": serializers.IntegerField(required=False), "tube_closed": serializers.BooleanField(required=False),
    "at": serializers.CharField(required=False), "repeated": serializers.BooleanField(required=False),
})


@extend_schema_view(list=extend_schema(summary="Testing rounds you can see"))
class TestRoundViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScopedViewSet):
    """Scans are decided by the scan service (role and scope of the person), not by write scope
    over the round: a sampler writes samples, never rounds."""

    __test__ = False
    model = TestRound
    serializer_class = TestRoundSerializer
    # The scans are not here: each scan of a batch is answered on its own (a reading role's batch
    # is refused once, by the scan service), as pretixSCAN's are.
    write_actions = {"close_tube": can.CLOSE_TUBE, "results": can.IMPORT_RESULTS, "retest": can.CREATE_RETEST_ROUND}
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    @extend_schema(summary="One scan: a person into a tube", request=ScanSerializer,
                   responses={200: ANSWER, 201: ANSWER, 400: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def scan(self, request, pk=None):
        round_ = self.get_object()
        # Read by the scan service, as each scan of a batch is (ScanSerializer documents it): the
        # same rules, and bad_request for a scan it cannot read.
        try:
            answer = scanning.scan_one(round_, request.data, request.user)
        except services.ScanRefused as refused:
            return Response(refused.as_dict(), status=status.HTTP_400_BAD_REQUEST)
        return Response(answer.as_dict(), status=status.HTTP_200_OK if answer.repeated else status.HTTP_201_CREATED)

    @extend_schema(summary="Many scans (an offline queue): one answer each", request=BatchSerializer,
                   responses={200: inline_serializer("ScanAnswers", {
                       "answers": serializers.ListField(child=serializers.DictField())})})
    @action(detail=True, methods=["post"])
    def scans(self, request, pk=None):
        round_ = self.get_object()
        data = self.read_input(BatchSerializer)
        return Response({"answers": scanning.scan_many(round_, data["scans"], request.user)})

    @extend_schema(summary="Close a tube by hand",
                   request=inline_serializer("CloseTube", {"tube_code": serializers.CharField()}))
    @action(detail=True, methods=["post"], url_path="close-tube")
    def close_tube(self, request, pk=None):
        round_ = self.get_object()
        tube = scanning.close_tube(request.user, round_, str(request.data.get("tube_code", "")))
        return Response({"tube": tube.code, "n": tube.n, "closed": tube.closed_at is not None})

    @extend_schema(summary="Lab results per tube (JSON rows or a .csv/.xlsx file)", request=ResultsSerializer)
    @action(detail=True, methods=["post"])
    def results(self, request, pk=None):
        round_ = self.get_object()
        data = self.read_input(ResultsSerializer)
        upload = data.get("file")
        if upload is not None:
            rows = read_upload(upload)
        else:
            rows = [(i + 1, r["tube"], r["result"], r["at"]) for i, r in enumerate(data.get("results")
                                                                                  or [])]
        report = services.import_results(request.user, round_, rows)
        return Response(report.as_dict())

    @extend_schema(summary="A single-tube retest round (单管复核) over this round's retest list",
                   request=RetestSerializer, responses={201: TestRoundSerializer, 403: ErrorSerializer})
    @action(detail=True, methods=["post"])
    def retest(self, request, pk=None):
        round_ = self.get_object()
        data = self.read_input(RetestSerializer)
        retest = services.create_retest_round(request.user, round_, name=data["name"])
        return Response(TestRoundSerializer(retest).data, status=status.HTTP_201_CREATED)

    @extend_schema(summary="Coverage by building and grid")
    @action(detail=True, methods=["get"])
    def coverage(self, request, pk=None):
        round_ = self.get_object()
        cover = services.coverage(round_, request.user)

        def tally(t):
            return {**{name: getattr(t, name) for name in t.FIELDS}, "untested": t.untested}

        return Response({
            "community": tally(cover.community),
            "grids": [{"id": p.pk, "name": p.label, **tally(p.tally)} for p in cover.grids],
            "buildings": [{"id": p.pk, "name": p.label, **tally(p.tally)} for p in cover.buildings],
        })


def read_upload(upload):
    """Rows of an uploaded results file (testing.results_file), its errors as the API's."""
    try:
        return results_file.read_upload(upload)
    except results_file.ResultsFileError as error:
        raise serializers.ValidationError({"file": [error.message]}) from None


ROUTES = [
    ("testrounds", TestRoundViewSet, "testround"),
]
