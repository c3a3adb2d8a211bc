"""The desk knowledge base: files, hybrid search, retrieval quality and draft answers.

Run as a script for the retrieval table of ``docs/desk-knowledge.md``:
``ILTEO_ENV=dev uv run python tests/desk/test_knowledge.py``.
"""

from __future__ import annotations

import json
import re
import shutil
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import numpy as np
import pytest

from ilteo.core.errors import InvalidInputError
from ilteo.core.settings import Settings
from ilteo.desk import knowledge
from ilteo.desk.knowledge import draft_answer, kb_version, search
from ilteo.desk.taxonomy import CATEGORIES

#: Realistic questions (written for this test, in several registers) and the passages that
#: answer them (any of the ids counts as a hit).
QUERIES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("사장님이 두 달째 월급을 안 주고 연락도 안 받아요", ("wage_arrears/1", "wage_arrears/3")),
    ("그만둔 지 3주 됐는데 마지막 달 급여 정산을 안 해줌", ("wage_arrears/2",)),
    ("임금체불 진정은 어디서 어떻게 넣나요?", ("wage_arrears/3",)),
    ("회사가 망해서 월급 못받음 나라에서 대신 주는 거 있나요", ("wage_arrears/4",)),
    ("체불임금 소송하려는데 변호사 비용이 없어요", ("wage_arrears/5",)),
    ("직원 15명 전원이 석 달치 임금을 못 받았습니다", ("wage_arrears/6",)),
    ("월급 밀림ㅠ 어케해요", ("wage_arrears/1", "wage_arrears/3")),
    ("unpaid wages for two months, what can I do", ("wage_arrears/1", "wage_arrears/3")),
    ("1년 2개월 일하고 퇴사했는데 퇴직금 못 받았어요", ("severance_pay/3", "severance_pay/1")),
    ("알바도 퇴직금 받을 수 있나요 주 20시간 일했어요", ("severance_pay/1",)),
    ("퇴직금 계산 어떻게 해요? 평균임금이 뭐죠", ("severance_pay/2",)),
    ("DC형 퇴직연금 회사가 적립을 안 했대요", ("severance_pay/4",)),
    ("퇴직금 중간정산 받을 수 있는 경우", ("severance_pay/5",)),
    ("카톡으로 내일부터 나오지 말라는 해고 통보를 받았습니다", ("unfair_dismissal/1",)),
    ("부당해고 구제신청 기한이 언제까지인가요", ("unfair_dismissal/2",)),
    ("해고예고 없이 당일 해고됐는데 수당 받을 수 있나요", ("unfair_dismissal/3",)),
    ("지노위 판정이 맘에 안 들면 어떻게 하나요", ("unfair_dismissal/4",)),
    ("팀장이 매일 소리 지르고 욕설을 합니다. 괴롭힘 맞나요", ("workplace_harassment/1",)),
    (
        "괴롭힘 신고했는데 회사가 조사를 안 해요",
        ("workplace_harassment/2", "workplace_harassment/3"),
    ),
    ("회식 자리에서 상사가 신체 접촉을 했어요", ("workplace_harassment/4",)),
    ("회사 다니기 너무 힘들어서 죽고 싶다는 생각이 들어요", ("workplace_harassment/5", "other/4")),
    ("주 60시간 넘게 일하는데 이거 불법 아닌가요", ("working_hours/1",)),
    ("야근수당을 한 번도 못 받았어요", ("working_hours/2",)),
    ("점심시간도 없이 9시간 일해요", ("working_hours/3",)),
    ("남은 연차 수당으로 받을 수 있나요?", ("working_hours/4",)),
    ("근로계약서를 안 써줬어요", ("working_hours/5",)),
    ("올해 최저시급 얼마에요?", ("minimum_wage/1",)),
    ("수습이라고 시급을 90%만 준대요", ("minimum_wage/3",)),
    ("편의점 시급 9000원 받는데 신고 가능?", ("minimum_wage/4", "minimum_wage/2")),
    ("공장에서 일하다 손가락을 다쳤는데 산재 신청 어떻게 하나요", ("industrial_accident_comp/2",)),
    ("사장이 산재 말고 공상 처리하자고 합니다", ("industrial_accident_comp/3",)),
    ("산재 불승인 결정 받았는데 이의제기 방법", ("industrial_accident_comp/4",)),
    ("비계에 안전난간이 없어서 떨어질 것 같아요 신고하고 싶어요", ("safety_hazard/2",)),
    ("지금 가스 냄새가 심한데 계속 일하라고 해요", ("safety_hazard/1",)),
    ("권고사직 당했는데 실업급여 받을 수 있어요?", ("unemployment_benefit/1",)),
    ("실업 급여 신청 하는법??", ("unemployment_benefit/2",)),
    ("실업급여 하루에 얼마나 나와요", ("unemployment_benefit/3",)),
    ("실업인정일에 구직활동 뭘 해야 돼요", ("unemployment_benefit/4",)),
    ("회사가 이직확인서에 자진퇴사로 적었어요", ("unemployment_benefit/5",)),
    ("국민취업지원제도 구직촉진수당 얼마 받나요", ("job_seeking_support/2",)),
    ("내일배움카드 발급 받으려면 어떻게 해요", ("vocational_training/2", "vocational_training/1")),
    ("훈련 학원에서 출석을 조작하는 것 같아요", ("vocational_training/4",)),
    ("육아휴직 급여 얼마 나와요?", ("parental_leave/2",)),
    ("회사에서 육아휴직 쓰면 그만두라고 합니다", ("parental_leave/5", "parental_leave/1")),
    ("배우자 출산휴가 며칠인가요", ("parental_leave/3",)),
    ("고용보험 가입이 안 되어 있다는데 어떻게 하죠", ("employment_insurance/3",)),
    ("배달기사도 고용보험 되나요", ("employment_insurance/4",)),
    (
        "E-9 비자인데 사장이 폭행해서 회사를 옮기고 싶어요",
        ("foreign_workers/1", "foreign_workers/2"),
    ),
    ("외국인 근로자 고용허가 신청 방법", ("foreign_workers/4",)),
    ("계약직이라고 정규직이 받는 상여금을 안 줘요", ("discrimination/1",)),
    ("면접에서 결혼 계획이랑 부모님 직업을 물어봤어요", ("discrimination/4",)),
    ("노조 가입했다고 부서를 옮기고 승진에서 뺐어요", ("labor_union/2", "labor_union/3")),
    ("회사가 단체교섭에 안 나와요", ("labor_union/2", "labor_union/4")),
    ("직원 신규 채용하면 받을 수 있는 지원금이 있나요", ("employer_subsidy/1",)),
    ("고용유지지원금 신청은 어디서 하나요", ("employer_subsidy/2", "employer_subsidy/1")),
    ("AI 때문에 제 일이 없어질까 걱정돼요 다른 직업 상담 받을 수 있나요", ("ai_transition/1",)),
    ("회사가 자동화 들어온다고 사람을 줄인대요", ("ai_transition/3",)),
    ("어디에 물어봐야 할지 모르겠어요", ("other/1",)),
    ("국민연금 관련 문의는 어디로 해야 하나요", ("other/3",)),
)


def hit_rates(method: knowledge.Method) -> tuple[float, float]:
    """(hit@1, hit@3) of :data:`QUERIES` for one retrieval method."""
    at1 = at3 = 0
    for query, expected in QUERIES:
        found = [p.id for p in search(query, k=3, method=method)]
        at1 += bool(found) and found[0] in expected
        at3 += any(i in expected for i in found)
    return at1 / len(QUERIES), at3 / len(QUERIES)


@pytest.fixture(scope="module", autouse=True)
def kb_home(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Settings with a home of their own: the passage vectors are cached there, not in ~."""
    settings = Settings(env="dev", home=tmp_path_factory.mktemp("kb-home"))
    knowledge._INDEX.clear()
    knowledge.load(settings)
    return settings


# --- the files ----------------------------------------------------------------------------------


def test_every_category_has_a_file_of_three_to_six_cited_passages() -> None:
    files = knowledge.kb_files()
    assert set(files) == set(CATEGORIES)
    for code, kb in files.items():
        assert 3 <= len(kb.passages) <= 6, code
        assert kb.version, code
        assert kb.reviewed, code
        assert kb.sources, code
        assert kb.next_steps, code
        for passage in kb.passages:
            assert passage.references, passage.id
            for reference in passage.references:
                title, url = knowledge.links(reference)
                assert title, reference
                assert url.startswith("https://www.law.go.kr/"), reference


def test_passage_text_is_plain_sentences_without_the_citation_line() -> None:
    for passage in knowledge.passages():
        assert "근거:" not in passage.text
        assert all(len(line) < 120 for line in passage.text.splitlines()), passage.id


def test_kb_version_follows_the_bytes_of_the_files(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    shipped = kb_version()
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}\.\d+\+[0-9a-f]{12}", shipped)
    copy = tmp_path / "kb"
    shutil.copytree(knowledge.KB_DIR, copy)
    monkeypatch.setattr(knowledge, "KB_DIR", copy)
    knowledge.kb_version.cache_clear()
    knowledge.kb_files.cache_clear()
    try:
        assert kb_version() == shipped  # same bytes, another folder
        path = copy / "other.md"
        path.write_text(path.read_text(encoding="utf-8") + "\n문장 하나를 더합니다.\n", "utf-8")
        knowledge.kb_version.cache_clear()
        assert kb_version() != shipped
    finally:
        knowledge.kb_version.cache_clear()
        knowledge.kb_files.cache_clear()


def test_a_file_without_front_matter_or_with_a_wrong_category_is_refused(tmp_path: Path) -> None:
    bare = tmp_path / "other.md"
    bare.write_text("## 제목\n본문입니다.\n", encoding="utf-8")
    with pytest.raises(ValueError, match="front matter"):
        knowledge.parse_file(bare)
    wrong = tmp_path / "wage_arrears.md"
    wrong.write_text("---\ncategory: other\nversion: 1\n---\n## 제목\n본문\n", encoding="utf-8")
    with pytest.raises(ValueError, match="category"):
        knowledge.parse_file(wrong)


# --- search -------------------------------------------------------------------------------------


def test_search_finds_the_passage_and_restricts_to_a_category() -> None:
    found = search("퇴사했는데 퇴직금을 아직 못 받았어요", k=3)
    assert found[0].category == "severance_pay"
    assert found[0].score >= found[1].score >= found[2].score > 0
    restricted = search("퇴사했는데 퇴직금을 아직 못 받았어요", category="wage_arrears", k=10)
    assert {p.category for p in restricted} == {"wage_arrears"}
    assert len(restricted) == len(knowledge.kb_files()["wage_arrears"].passages)


def test_passage_vectors_are_cached_on_disk_and_reused(kb_home: Settings) -> None:
    cached = knowledge.embedding_cache_path(kb_home.cache_dir)
    assert [p.name for p in cached.parent.glob("kb-embeddings-*.npy")] == [cached.name]
    on_disk = np.load(cached)
    assert on_disk.shape == (len(knowledge.passages()), 384)
    knowledge._INDEX.clear()
    assert knowledge.load(kb_home) == len(knowledge.passages())
    assert np.array_equal(knowledge._index().vectors, on_disk)


def test_search_refuses_unknown_category_and_returns_nothing_for_symbols() -> None:
    with pytest.raises(InvalidInputError):
        search("월급", category="wages")
    with pytest.raises(InvalidInputError):
        search("월급", k=0)
    assert search("🙂🙂 !!") == []


def test_hybrid_retrieval_hits_the_expected_passage_and_beats_bm25_alone() -> None:
    assert len(QUERIES) >= 40
    _, bm25_at3 = hit_rates("bm25")
    hybrid_at1, hybrid_at3 = hit_rates("hybrid")
    assert hybrid_at3 >= 0.8
    assert hybrid_at1 >= 0.6
    assert hybrid_at3 >= bm25_at3


# --- drafts -------------------------------------------------------------------------------------

REQUEST = "사장님이 월급을 두 달째 안 주세요. 연락처 010-0000-1234 로 연락 주세요."


def test_draft_is_deterministic_cites_its_sources_and_says_it_is_guidance(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv(knowledge.LLM_ENV_URL, raising=False)
    first = draft_answer("wage_arrears", REQUEST)
    assert first == draft_answer("wage_arrears", REQUEST)
    assert not first.generated
    assert first.kb_version == kb_version()
    assert "임금체불" in first.text
    assert knowledge.CLOSING in first.text
    assert 1 <= len(first.sources) <= knowledge.DRAFT_PASSAGES
    assert {p.category for p in first.sources} == {"wage_arrears"}
    for passage in first.sources:
        for reference in passage.references:
            assert knowledge.links(reference)[1] in first.text
    assert "010-0000-1234" not in first.text  # the request is never copied into the answer


def test_draft_for_an_unknown_category_or_empty_text_still_answers() -> None:
    unknown = draft_answer("no_such_code", "무엇이든 물어봅니다")
    assert {p.category for p in unknown.sources} == {"other"}
    empty = draft_answer("minimum_wage", "")
    assert [p.id for p in empty.sources] == ["minimum_wage/1", "minimum_wage/2"]


# --- the optional rewrite, against a real local HTTP endpoint ----------------------------------


class _ChatHandler(BaseHTTPRequestHandler):
    """A tiny OpenAI-compatible chat-completions endpoint (shape of the real response)."""

    mode: ClassVar[str] = "plain"
    received: ClassVar[list[dict[str, Any]]] = []

    def do_POST(self) -> None:
        body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
        type(self).received.append(
            {"path": self.path, "body": body, "auth": self.headers.get("Authorization")}
        )
        draft = body["messages"][-1]["content"]
        if self.mode == "error":
            self.send_response(500)
            self.end_headers()
            return
        if self.mode == "slow":
            time.sleep(knowledge.LLM_TIMEOUT + 1)
        content = "다듬은 답변입니다.\n" + draft
        if self.mode == "invents":
            content += "\n자세한 내용은 https://example.com 또는 02-9999-9999 로 문의하세요."
        answer = {
            "id": "chatcmpl-test",
            "object": "chat.completion",
            "model": body["model"],
            "choices": [
                {"index": 0, "message": {"role": "assistant", "content": content},
                 "finish_reason": "stop"}
            ],
        }  # fmt: skip
        payload = json.dumps(answer).encode()
        try:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)
        except OSError:  # the client gave up (timeout): nothing to answer
            pass

    def log_message(self, format: str, *args: Any) -> None:  # quiet test output
        pass


@pytest.fixture
def chat_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[type[_ChatHandler]]:
    _ChatHandler.received = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ChatHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    monkeypatch.setenv(knowledge.LLM_ENV_URL, f"http://127.0.0.1:{server.server_port}")
    monkeypatch.setenv(knowledge.LLM_ENV_MODEL, "tiny-test-model")
    monkeypatch.setenv(knowledge.LLM_ENV_KEY, "test-key-not-secret")
    try:
        yield _ChatHandler
    finally:
        server.shutdown()
        server.server_close()


def test_configured_endpoint_rewrites_the_body_and_sources_stay(
    chat_server: type[_ChatHandler],
) -> None:
    chat_server.mode = "plain"
    deterministic = draft_answer("minimum_wage", "시급이 최저임금보다 적어요")
    assert deterministic.generated
    assert deterministic.text.startswith("다듬은 답변입니다.")
    assert knowledge.CLOSING in deterministic.text
    assert "https://www.law.go.kr/" in deterministic.text
    (call,) = chat_server.received
    assert call["path"] == "/v1/chat/completions"
    assert call["body"]["model"] == "tiny-test-model"
    assert call["auth"] == "Bearer test-key-not-secret"
    assert call["body"]["messages"][0]["role"] == "system"


@pytest.mark.parametrize("mode", ["error", "invents", "slow"])
def test_a_failing_slow_or_inventing_endpoint_keeps_the_deterministic_draft(
    chat_server: type[_ChatHandler], monkeypatch: pytest.MonkeyPatch, mode: str
) -> None:
    chat_server.mode = mode
    answer = draft_answer("minimum_wage", "시급이 최저임금보다 적어요")
    monkeypatch.delenv(knowledge.LLM_ENV_URL)
    assert not answer.generated
    assert answer == draft_answer("minimum_wage", "시급이 최저임금보다 적어요")
    assert len(chat_server.received) == 1


def test_an_unset_or_non_http_endpoint_is_not_called(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(knowledge.LLM_ENV_URL, "file:///etc/passwd")
    assert knowledge.llm_endpoint() is None
    monkeypatch.setenv(knowledge.LLM_ENV_URL, "http://127.0.0.1:9/v1")
    assert knowledge.llm_endpoint() == ("http://127.0.0.1:9/v1/chat/completions", "default", "")


def _p95_ms(samples: list[float]) -> float:
    ordered = sorted(samples)
    return 1000 * ordered[min(len(ordered) - 1, int(0.95 * len(ordered)))]


if __name__ == "__main__":  # the retrieval and cost tables of docs/desk-knowledge.md
    for name in ("bm25", "e5", "hybrid"):
        one, three = hit_rates(name)  # type: ignore[arg-type]
        print(f"{name:7s} hit@1 {one:.3f}  hit@3 {three:.3f}  (n={len(QUERIES)})")
    searches: list[float] = []
    drafts: list[float] = []
    for _ in range(3):  # warm: every query was tokenised and embedded above
        for query, expected in QUERIES:
            started = time.perf_counter()
            search(query)
            searches.append(time.perf_counter() - started)
            started = time.perf_counter()
            draft_answer(expected[0].split("/")[0], query)
            drafts.append(time.perf_counter() - started)
    print(f"warm p95: search {_p95_ms(searches):.2f} ms, draft_answer {_p95_ms(drafts):.2f} ms")
