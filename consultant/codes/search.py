"""Full-text search over code descriptions and inclusion terms, for questions that name no code.

SQLite: an FTS5 table with external content (a view over `code`), keyed by code.id; PostgreSQL: a stored
generated tsvector column over the same columns, with a GIN index. Neither is in the models or the migration: the importers call
`rebuild_search_index` after loading a release; on SQLite a search also rebuilds it when the newest releases
are not the ones it was built from, so a forgotten call costs one slow search, not stale answers.

Ranking: the database's own relevance (bm25 / ts_rank_cd) over codes holding every word of the query, then,
among the best candidates, a bonus for the query appearing as a phrase in the descriptor and for billable
codes. If fewer than `limit` codes hold every word, codes holding most of the words follow.
Only the newest release of each code system is searched, so a code appears once.
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass, replace

from sqlalchemy import func, select, text
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from consultant.codes.values import SearchHit
from consultant.models.codes import CodeRelease

log = logging.getLogger(__name__)

SEARCHED_SYSTEMS = ("icd10cm", "icd10pcs", "hcpcs", "cpt")
SEARCHED_KINDS = ("code", "category", "subcategory")
CANDIDATES = 60  # rows fetched from the index per query before re-ranking
BM25_MOST = 4000  # SQLite: above this many matches, skip bm25 (see _sqlite_rows)
BROAD_CANDIDATES = 200
LONG_QUERY = 6  # more search words than this: a question's text, searched by its rarer words
OR_BUDGET = 8000  # most codes a long question's words may match before bm25 ranks them
_COUNTS: dict[str, dict[str, int]] = {}  # index build -> word -> codes holding it

# Everyday procedure names -> ICD-10-PCS words (root operation, body part, approach). A short list of the
# common ones; the PCS tables themselves are the full story.
_SCOPE = ("percutaneous", "endoscopic")
PCS_WORDS: dict[str, tuple[str, ...]] = {
    "laparoscopic": _SCOPE,
    "laparoscopy": _SCOPE,
    "arthroscopic": _SCOPE,
    "arthroscopy": _SCOPE,
    "thoracoscopic": _SCOPE,
    "lap": _SCOPE,
    "cholecystectomy": ("resection", "gallbladder"),
    "appendectomy": ("resection", "appendix"),
    "hysterectomy": ("resection", "uterus"),
    "nephrectomy": ("resection", "kidney"),
    "splenectomy": ("resection", "spleen"),
    "mastectomy": ("resection", "breast"),
    "tonsillectomy": ("resection", "tonsils"),
    "thyroidectomy": ("resection", "thyroid", "gland"),
    "prostatectomy": ("resection", "prostate"),
    "oophorectomy": ("resection", "ovary"),
    "salpingectomy": ("resection", "fallopian", "tube"),
    "gastrectomy": ("resection", "stomach"),
    "cabg": ("bypass", "coronary", "artery"),
    "angioplasty": ("dilation",),
    "arthroplasty": ("replacement", "joint"),
}
# Re-ranking weights: index relevance (scaled to the best candidate), share of the descriptor's words the
# query covers (so "essential hypertension" puts I10 before longer pregnancy codes), the query as a phrase,
# billable codes, and a penalty per word a code does not hold.
RELEVANCE, COVERAGE, PHRASE, STARTS_WITH, BILLABLE, MISSING_WORD = 6.0, 14.0, 3.0, 1.0, 5.0, 12.0


def _words(text: str) -> frozenset[str]:
    return frozenset(text.split())


# Words that say nothing about a code ("which ICD code for …"). "with"/"without" are left out of the index
# query too (they are in half of all descriptors, which makes the query slow) but count in the phrase bonus,
# which is what tells "with complications" from "without complications".
STOPWORDS = _words(
    """a an the of for to in on at by as is are be was were what which who how do does did can could should
    would i we you my our your their code codes coding icd icd10 icd-10 cm pcs cpt hcpcs dx diagnosis please
    need help use bill billing billed find looking question about any there this that it its or and with
    without w wo"""
)
WORD = re.compile(r"[a-z0-9]+")
CODE_SET_NAME = re.compile(r"\bicd[- ]?10(?:[- ]?(?:cm|pcs))?\b")

SQLITE_DDL = (
    # The view flattens what is searched (descriptors and the inclusion terms kept in notes_json) and picks
    # the newest release of each system, so the index holds each code once and a query needs no join filter.
    "DROP VIEW IF EXISTS code_search_source",
    f"""CREATE VIEW code_search_source AS
    SELECT id, descriptor, short_descriptor,
           CASE WHEN json_valid(notes_json)
                THEN coalesce(json_extract(notes_json, '$.inclusion_terms'), '') || ' ' ||
                     coalesce(json_extract(notes_json, '$.includes'), '')
                ELSE '' END AS terms
    FROM code
    WHERE kind IN ({", ".join(f"'{k}'" for k in SEARCHED_KINDS)})
      AND release_id IN (
        SELECT r.id FROM code_release r
        WHERE r.system IN ({", ".join(f"'{k}'" for k in SEARCHED_SYSTEMS)})
          AND r.effective_from = (SELECT max(n.effective_from) FROM code_release n WHERE n.system = r.system))""",
    "CREATE TABLE IF NOT EXISTS code_search_state (id INTEGER PRIMARY KEY, releases TEXT NOT NULL)",
    """CREATE VIRTUAL TABLE IF NOT EXISTS code_fts USING fts5(
        descriptor, short_descriptor, terms,
        content='code_search_source', content_rowid='id', tokenize='porter unicode61')""",
)

# PostgreSQL: the same columns as one stored, generated tsvector column with a GIN index. A stored column
# rather than an expression index: ranking reads the vector instead of re-parsing every matching descriptor
# (1.3 s -> milliseconds for a one-word query over ICD-10-CM). Added by raw DDL here, not in the models, so
# the SQLite schema and the migration stay as they are.
PG_DOCUMENT = (
    "to_tsvector('english'::regconfig, coalesce(descriptor, '') || ' ' || coalesce(short_descriptor, '') "
    "|| ' ' || coalesce((notes_json::jsonb -> 'inclusion_terms')::text, '') "
    "|| ' ' || coalesce((notes_json::jsonb -> 'includes')::text, ''))"
)
PG_DDL = (
    f"ALTER TABLE code ADD COLUMN IF NOT EXISTS search_vector tsvector GENERATED ALWAYS AS ({PG_DOCUMENT}) STORED",
    "CREATE INDEX IF NOT EXISTS ix_code_search ON code USING GIN (search_vector)",
    "ANALYZE code",  # fresh statistics after a bulk import, so the planner picks the index
)


@dataclass(frozen=True)
class _Row:
    system: str
    code: str
    descriptor: str
    billable: bool
    relevance: float  # from the index, larger is better
    missing: int  # query words the code does not hold (0 at the first level)


def rebuild_search_index(session: Session, system: str | None = None) -> None:
    """Create the index if missing and bring it up to date with the code table (newest releases).

    On SQLite the whole FTS table is rebuilt from the view whatever `system` says: an external-content table
    can only drop rows whose old text it is given, and a replaced release's rows are already gone (about one
    second for ICD-10-CM + PCS + HCPCS). On PostgreSQL the generated column and its index follow the table by themselves; this creates them."""
    if _dialect(session) == "sqlite":
        for ddl in SQLITE_DDL:
            session.execute(text(ddl))
        session.execute(text("INSERT INTO code_fts(code_fts) VALUES('rebuild')"))
        session.execute(text("DELETE FROM code_search_state"))
        # The releases indexed, and a token for this build (keys the word counts cached by _document_counts).
        state = f"{_release_key(_newest_release_ids(session))}@{uuid.uuid4().hex}"
        session.execute(text("INSERT INTO code_search_state (id, releases) VALUES (1, :r)"), {"r": state})
    else:
        for ddl in PG_DDL:
            session.execute(text(ddl))
    log.info("search index rebuilt (system=%s)", system or "all")


def search(session: Session, query: str, limit: int = 10) -> list[SearchHit]:
    """Codes whose descriptions best match `query`, best first.

    Codes holding every word first; if fewer than `limit`, codes holding all words but one; then (three
    words or more) codes holding any of them, each level ranked below the one before. A query using the
    everyday name of a procedure ("laparoscopic cholecystectomy") is also searched in ICD-10-PCS words
    ("percutaneous endoscopic resection gallbladder"), and the better score of each code counts."""
    words = search_words(query)
    if not words or limit <= 0:
        return []
    index_key = _ensure_current(session)
    best: dict[tuple[str, str], tuple[float, _Row]] = {}
    versions = [(words, " ".join(WORD.findall(query.lower())))]
    if (pcs_words := procedure_words(words)) != words:
        versions.append((pcs_words, " ".join(pcs_words)))
    for version, phrase in versions:
        for score, row in _ranked(session, version, phrase, index_key, limit):
            key = (row.system, row.code)
            if key not in best or score > best[key][0]:
                best[key] = (score, row)
    scored = sorted(
        best.values(),
        # Ties: billable first, then the shorter descriptor, then code order (stable across backends).
        key=lambda pair: (-pair[0], not pair[1].billable, len(pair[1].descriptor), pair[1].code),
    )
    return [SearchHit(r.system, r.code, r.descriptor, round(score, 3)) for score, r in scored[:limit]]


def _ranked(
    session: Session, words: list[str], phrase: str, index_key: str, limit: int
) -> list[tuple[float, _Row]]:
    run = _sqlite_rows if _dialect(session) == "sqlite" else _postgres_rows
    rows: dict[tuple[str, str], _Row] = {}
    if len(words) > LONG_QUERY:
        # A whole question rather than a query: codes holding the question's rarer words, ranked by how much
        # of each descriptor the question covers (see _long_query_words).
        picked = _long_query_words(session, words, index_key)
        for row in run(session, [[w] for w in picked], broad=OR_BUDGET) if picked else []:
            rows.setdefault((row.system, row.code), row)
    else:
        for level, alternatives in _levels(words):
            for row in run(session, alternatives):
                if (row.system, row.code) not in rows:
                    missing = level if level >= 0 else max(2, _missing(row, words))
                    rows[(row.system, row.code)] = replace(row, missing=missing)
            if len(rows) >= limit:
                break
    top = max((r.relevance for r in rows.values()), default=1.0) or 1.0
    return [(_score(r, words, phrase, top), r) for r in rows.values()]


def procedure_words(words: list[str]) -> list[str]:
    """Everyday procedure words replaced by the words ICD-10-PCS descriptors use (PCS has no
    "cholecystectomy": it has "Resection of Gallbladder, Percutaneous Endoscopic Approach")."""
    out: list[str] = []
    for word in words:
        out.extend(PCS_WORDS.get(word, (word,)))
    return list(dict.fromkeys(out))


def search_words(query: str) -> list[str]:
    """The words of a query that can tell codes apart, lower case, in order, once each."""
    plain = CODE_SET_NAME.sub(" ", query.lower())  # the "10" of "ICD-10" is not a search word
    return list(dict.fromkeys(w for w in WORD.findall(plain) if w not in STOPWORDS))


def _long_query_words(session: Session, words: list[str], index_key: str) -> list[str]:
    """The words of a long question worth an index query: known to the index, rarest first, while the codes
    they match stay within OR_BUDGET (so scoring them stays cheap). Common words ("left", "disease") add
    little but rows; unknown ones ("ckd", "orif", names) match nothing."""
    counts = _document_counts(session, words, index_key)
    picked: list[str] = []
    total = 0
    for word in sorted((w for w in words if counts[w]), key=lambda w: counts[w]):
        if total + counts[word] > OR_BUDGET:
            break
        picked.append(word)
        total += counts[word]
    return picked


def _document_counts(session: Session, words: list[str], index_key: str) -> dict[str, int]:
    """How many indexed codes hold each word; cached per index build (words repeat across questions)."""
    cache = _COUNTS.setdefault(index_key, {})
    if len(_COUNTS) > 4:  # an older index build's counts are useless
        for key in [k for k in _COUNTS if k != index_key]:
            del _COUNTS[key]
    for word in words:
        if word not in cache:
            if _dialect(session) == "sqlite":
                sql = "SELECT count(*) FROM code_fts WHERE code_fts MATCH :w"
                params = {"w": f'"{word}"'}
            else:
                sql = "SELECT count(*) FROM code WHERE search_vector @@ to_tsquery('english', :w)"
                params = {"w": word}
            cache[word] = int(session.execute(text(sql), params).scalar() or 0)
    return {w: cache[w] for w in words}


def _levels(words: list[str]) -> list[tuple[int, list[list[str]]]]:
    """(words missing, alternatives) for each relaxation, one query each: a code matches a level if it
    holds every word of one alternative. -1 means "any word"."""
    levels: list[tuple[int, list[list[str]]]] = [(0, [words])]
    if len(words) > 1:
        levels.append((1, [words[:i] + words[i + 1 :] for i in range(len(words))]))
    if len(words) > 2:
        levels.append((-1, [[w] for w in words]))
    return levels


def _stem(word: str) -> str:
    return word[:-1] if len(word) > 3 and word.endswith("s") else word


def _missing(row: _Row, words: list[str]) -> int:
    held = {_stem(w) for w in WORD.findall(row.descriptor.lower())}
    return sum(1 for w in words if _stem(w) not in held)


def _score(row: _Row, words: list[str], phrase: str, best: float) -> float:
    described = [w for w in WORD.findall(row.descriptor.lower()) if w not in STOPWORDS]
    wanted = {_stem(w) for w in words}
    covered = sum(1 for w in described if _stem(w) in wanted) / len(described) if described else 0.0
    text_ = " ".join(WORD.findall(row.descriptor.lower()))
    score = RELEVANCE * row.relevance / best + COVERAGE * covered - MISSING_WORD * row.missing
    if row.billable:
        score += BILLABLE
    if phrase and phrase in text_:
        score += PHRASE + (STARTS_WITH if text_.startswith(phrase) else 0.0)
    return score


# --- SQLite -----------------------------------------------------------------------------------------


def _sqlite_rows(session: Session, alternatives: list[list[str]], broad: int = BM25_MOST) -> list[_Row]:
    # Each word quoted, so FTS5 syntax in user text ("-", "NOT", ":") never becomes an operator. The index
    # is searched first and joined to `code` after the LIMIT, so the plan never walks the code table.
    match = " OR ".join("(" + " AND ".join(f'"{w}"' for w in words) + ")" for words in alternatives)
    matched = session.execute(
        text("SELECT count(*) FROM code_fts WHERE code_fts MATCH :m"), {"m": match}
    ).scalar()
    if not matched:
        return []
    if matched > broad:
        # bm25 scores every matching row (about 1.5 µs each): "open approach" matches 20,000 PCS codes. For
        # words that broad, take the first rows in tabular order and let the re-ranking choose among them.
        sql = text(
            """SELECT c.system, c.code, c.descriptor, c.billable, 0.0
            FROM (SELECT rowid AS id FROM code_fts WHERE code_fts MATCH :match LIMIT :n) AS f
            JOIN code c ON c.id = f.id"""
        )
        limit = BROAD_CANDIDATES
    else:
        sql = text(
            """SELECT c.system, c.code, c.descriptor, c.billable, f.relevance
            FROM (SELECT rowid AS id, bm25(code_fts, 10.0, 3.0, 4.0) AS relevance FROM code_fts
                  WHERE code_fts MATCH :match ORDER BY relevance LIMIT :n) AS f
            JOIN code c ON c.id = f.id
            ORDER BY f.relevance"""
        )
        limit = CANDIDATES
    result = session.execute(sql, {"match": match, "n": limit})
    # bm25 is negative, more negative = better; flip it so larger is better, like ts_rank_cd.
    return [_Row(s, c, d or "", bool(b), -float(rank), 0) for s, c, d, b, rank in result]


# --- PostgreSQL -------------------------------------------------------------------------------------


def _postgres_rows(session: Session, alternatives: list[list[str]], broad: int = 0) -> list[_Row]:
    # Words are [a-z0-9]+ only (see WORD), so they are safe inside to_tsquery.
    tsquery = " | ".join("(" + " & ".join(words) + ")" for words in alternatives)
    sql = text(
        """SELECT system, code, descriptor, billable,
                   ts_rank_cd(search_vector, to_tsquery('english', :q)) AS rank
        FROM code
        WHERE search_vector @@ to_tsquery('english', :q)
          AND kind = ANY(:kinds) AND release_id = ANY(:releases)
        ORDER BY rank DESC LIMIT :n"""
    )
    params = {
        "q": tsquery,
        "kinds": list(SEARCHED_KINDS),
        "releases": _newest_release_ids(session),
        "n": CANDIDATES,
    }
    return [_Row(s, c, d or "", bool(b), float(rank), 0) for s, c, d, b, rank in session.execute(sql, params)]


# --- shared -----------------------------------------------------------------------------------------


def _dialect(session: Session) -> str:
    return session.get_bind().dialect.name


def _ensure_current(session: Session) -> str:
    """Build the index on first use, and on SQLite rebuild it when the newest releases changed since (an
    import that did not call rebuild_search_index): a few tiny queries per search. Returns a key naming
    this database and index build."""
    current = _release_key(_newest_release_ids(session))
    if _dialect(session) != "sqlite":
        if not session.execute(text("SELECT to_regclass('ix_code_search')")).scalar():
            rebuild_search_index(session)
        schema = session.execute(text("SELECT current_schema()")).scalar()
        return f"{session.get_bind().engine.url}|{schema}|{current}"
    try:
        indexed = session.execute(text("SELECT releases FROM code_search_state WHERE id = 1")).scalar()
    except OperationalError:  # no such table: never built
        indexed = None
    if indexed is None or indexed.split("@")[0] != current:
        rebuild_search_index(session)
        indexed = session.execute(text("SELECT releases FROM code_search_state WHERE id = 1")).scalar()
    return f"{session.get_bind().engine.url}|{indexed}"


def _release_key(ids: list[int]) -> str:
    return ",".join(str(i) for i in sorted(ids))


def _newest_release_ids(session: Session) -> list[int]:
    newest = (
        select(CodeRelease.system, func.max(CodeRelease.effective_from).label("started"))
        .where(CodeRelease.system.in_(SEARCHED_SYSTEMS))
        .group_by(CodeRelease.system)
        .subquery()
    )
    rows = session.execute(
        select(CodeRelease.id).join(
            newest,
            (CodeRelease.system == newest.c.system) & (CodeRelease.effective_from == newest.c.started),
        )
    )
    return [r for (r,) in rows]
