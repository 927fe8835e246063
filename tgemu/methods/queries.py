"""Bot API methods answering callback and inline queries."""

from __future__ import annotations

from tgemu.errors import Handler, JsonDict, bad_request
from tgemu.state import EmulatorState
from tgemu.validation import URL_RE, validate_inline_result

MAX_CALLBACK_TEXT = 200
MAX_INLINE_RESULTS = 50
QUERY_INVALID = "Bad Request: query is too old and response timeout expired or query ID is invalid"


class QueryMethods(EmulatorState):
    """answerCallbackQuery and answerInlineQuery, each query answerable once."""

    def _query_methods(self) -> dict[str, Handler]:
        """Canonical method name -> handler."""
        return {
            "answerCallbackQuery": self._m_answer_callback_query,
            "answerInlineQuery": self._m_answer_inline_query,
        }

    def _m_answer_callback_query(self, params: JsonDict) -> bool:
        """answerCallbackQuery; each query may be answered once."""
        query_id = str(params.get("callback_query_id", ""))
        text = params.get("text")
        if text is not None and len(str(text)) > MAX_CALLBACK_TEXT:
            raise bad_request("MESSAGE_TOO_LONG")
        url = params.get("url")
        if url is not None and not URL_RE.match(str(url)):
            raise bad_request("URL_INVALID")
        if self._callback_queries.get(query_id) is not False:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        self._callback_queries[query_id] = True
        return True

    def _m_answer_inline_query(self, params: JsonDict) -> bool:
        """answerInlineQuery with full validation of results."""
        query_id = str(params.get("inline_query_id", ""))
        results = params.get("results")
        if not isinstance(results, list):
            raise bad_request("can't parse inline query results JSON object")
        if len(results) > MAX_INLINE_RESULTS:
            raise bad_request("RESULTS_TOO_MUCH")
        seen: set[str] = set()
        for result in results:
            validate_inline_result(result, seen)
        if self._inline_queries.get(query_id) is not False:
            raise bad_request(QUERY_INVALID.removeprefix("Bad Request: "))
        self._inline_queries[query_id] = True
        self._inline_answers[query_id] = params
        return True

    def inline_answer(self, inline_query_id: str) -> JsonDict | None:
        """The parameters the bot answered an inline query with."""
        return self._inline_answers.get(inline_query_id)
