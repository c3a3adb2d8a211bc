"""The registry: every reference dataset declared once (files, checksums, schemas, origins).

Dataset ids are part of the platform's contract; other rooms and doors code against them. Checksums
are those of the shared copies (``shared/data``); origins are the publisher's release where there is
one (O*NET), otherwise the pinned commit named in each folder's ``PROVENANCE.md``.

A new dataset is one more ``Dataset(...)`` in :func:`_declare`; nothing else needs to change.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

from ilteo.core.errors import NotFoundError
from ilteo.reference.spec import (
    Column,
    ColumnType,
    DataFile,
    Dataset,
    OnetTextMember,
    RawFile,
    RdaObject,
    XlsxSheet,
)

ONET_ZIP = "https://www.onetcenter.org/dl_files/database/db_30_1_text.zip"
ONET_CC = "O*NET® is a trademark of USDOL/ETA. CC BY 4.0."


def _gh(repo: str, commit: str, path: str) -> str:
    """A raw URL at a pinned commit (the path is percent-encoded).

    >>> _gh("o/r", "abc", "data/a b.csv")
    'https://raw.githubusercontent.com/o/r/abc/data/a%20b.csv'
    """
    return f"https://raw.githubusercontent.com/{repo}/{commit}/{quote(path)}"


def _cols(*spec: str | tuple[str, ColumnType]) -> tuple[Column, ...]:
    """Columns from names (``str``) or ``(name, type)`` pairs.

    >>> _cols("code", ("rows", "int"))
    (Column(name='code', type='str'), Column(name='rows', type='int'))
    """
    return tuple(Column(s) if isinstance(s, str) else Column(s[0], s[1]) for s in spec)


def _floats(*names: str) -> tuple[tuple[str, ColumnType], ...]:
    """``(name, "float")`` pairs for :func:`_cols`."""
    pairs: list[tuple[str, ColumnType]] = [(name, "float") for name in names]
    return tuple(pairs)


# --- O*NET 30.1 -------------------------------------------------------------------------------

_SOC_TITLE = ("O*NET-SOC Code", "Title")
_ELEMENT = ("Element ID", "Element Name")
_SCALE = ("Scale ID", "Scale Name")
_RATED: tuple[str | tuple[str, ColumnType], ...] = (
    *_SOC_TITLE, *_ELEMENT, *_SCALE, ("Data Value", "float"), ("N", "int"),
    ("Standard Error", "float"), ("Lower CI Bound", "float"), ("Upper CI Bound", "float"),
    "Recommend Suppress", "Not Relevant", "Date", "Domain Source",
)  # fmt: skip
_SIMPLE_RATED: tuple[str | tuple[str, ColumnType], ...] = (
    *_SOC_TITLE, *_ELEMENT, *_SCALE, ("Data Value", "float"), "Date", "Domain Source",
)  # fmt: skip

# (file in the shared folder, O*NET's own file name, sha256, rows, columns)
_ONET_FILES: tuple[tuple[str, str, str, int, tuple[str | tuple[str, ColumnType], ...]], ...] = (
    ("abilities_to_work_activities.tsv", "Abilities to Work Activities",
     "d073509ab349256bc2e09c1dac58c73bd5ac6973eb133e101652404c2f8cd856", 381,
     ("Abilities Element ID", "Abilities Element Name",
      "Work Activities Element ID", "Work Activities Element Name")),
    ("abilities_to_work_context.tsv", "Abilities to Work Context",
     "26d3a9ab2123f3c32c8e8f2099055808dda08e36f25f535c81ef94ba98622afb", 139,
     ("Abilities Element ID", "Abilities Element Name",
      "Work Context Element ID", "Work Context Element Name")),
    ("alternate_titles.tsv", "Alternate Titles",
     "5896bd3f5f2e53ad70d5e4a503a60b3fc375f4c6217e4b07153ce756cfd0c71e", 56505,
     (*_SOC_TITLE, "Alternate Title", "Short Title", "Source(s)")),
    ("basic_interests_to_riasec.tsv", "Basic Interests to RIASEC",
     "50e3a5d40887ad7b4118424c607bfc8ac06bb846654cd2156d887a965913414d", 53,
     ("Basic Interests Element ID", "Basic Interests Element Name",
      "RIASEC Element ID", "RIASEC Element Name")),
    ("content_model_reference.tsv", "Content Model Reference",
     "6859ea6cf2e3273a702f23845ce17346fb091c654204a50046a344c4588aa5c2", 630,
     (*_ELEMENT, "Description")),
    ("dwa_reference.tsv", "DWA Reference",
     "e20ab8ca890b24036e18b53186f35a35a01de7256b2530118a127ef609d4ac82", 2087,
     (*_ELEMENT, "IWA ID", "IWA Title", "DWA ID", "DWA Title")),
    ("education_training_and_experience.tsv", "Education, Training, and Experience",
     "5535144f33969555cb05f598ef85c0b642d92a1033ba3388e9444f7e5ca4b113", 37125,
     (*_SOC_TITLE, *_ELEMENT, *_SCALE, ("Category", "int"), ("Data Value", "float"), ("N", "int"),
      ("Standard Error", "float"), ("Lower CI Bound", "float"), ("Upper CI Bound", "float"),
      "Recommend Suppress", "Date", "Domain Source")),
    ("education_training_and_experience_categories.tsv",
     "Education, Training, and Experience Categories",
     "fd135e83c0b1b1bbb87f4f9c014a8ba00cb8f0f9f8ab78184129caaf84809b3d", 41,
     (*_ELEMENT, *_SCALE, ("Category", "int"), "Category Description")),
    ("emerging_tasks.tsv", "Emerging Tasks",
     "eac73069801cab0b9b7af1e1bcab6f51ddb04c4fdd4135784fed8fc69fc410fb", 328,
     (*_SOC_TITLE, "Task", "Category", ("Original Task ID", "int"), "Original Task", "Date",
      "Domain Source")),
    ("interests.tsv", "Interests",
     "3aeedb1d54c4f4bcd964d91ef341f37c8f09ad3da83293037e72e296ffa73aad", 8307, _SIMPLE_RATED),
    ("interests_illustrative_activities.tsv", "Interests Illustrative Activities",
     "224326b0bbcc8eb7dad0f2743038e113c3d6676a4efc12241cc7329ad1aebe84", 188,
     (*_ELEMENT, "Interest Type", "Activity")),
    ("interests_illustrative_occupations.tsv", "Interests Illustrative Occupations",
     "907d5a490b2881ff91a3eff72d22418869f200340397b43dc8b275e5aeae2965", 186,
     (*_ELEMENT, "Interest Type", *_SOC_TITLE)),
    ("iwa_reference.tsv", "IWA Reference",
     "5fe9f41a438d7d1b8f0b1e594e6f7f9b60cc96544b1bcf1cc3e2498a8261a9b0", 332,
     (*_ELEMENT, "IWA ID", "IWA Title")),
    ("job_zone_reference.tsv", "Job Zone Reference",
     "7d011cbec54f71554474ffcb8e8c1022503d95b97cb75fe5f67bf89720767fcd", 5,
     (("Job Zone", "int"), "Name", "Experience", "Education", "Job Training", "Examples",
      "SVP Range")),
    ("job_zones.tsv", "Job Zones",
     "9b80196ebe4192185b9037db5f4881f55ff2ecc049dd5c9022371a251e8eb659", 923,
     (*_SOC_TITLE, ("Job Zone", "int"), "Date", "Domain Source")),
    ("knowledge.tsv", "Knowledge",
     "e074d843d7a239c48ea0de7d1ec098b3eeb102105025d0c0f185554e3f9f1065", 59004, _RATED),
    ("level_scale_anchors.tsv", "Level Scale Anchors",
     "14820fd76921551f4a1c52cfd4809dec8cdeb32041de83a9a9d38f112f029d7c", 483,
     (*_ELEMENT, *_SCALE, ("Anchor Value", "int"), "Anchor Description")),
    ("occupation_data.tsv", "Occupation Data",
     "164236c5e0f1d16bfbafe017a16f20a993948cc4b1534d1da631652c81708f0f", 1016,
     (*_SOC_TITLE, "Description")),
    ("related_occupations.tsv", "Related Occupations",
     "6ae972e29925be26dc0ef9372a342e244fc7ba2f61c63d246598803acad65ed4", 18460,
     (*_SOC_TITLE, "Related O*NET-SOC Code", "Related Title", "Relatedness Tier",
      ("Index", "int"))),
    ("riasec_keywords.tsv", "RIASEC Keywords",
     "6d4e33965290c08b796405f2ef888be71fe9fd4fabc9976f3707790563c681e5", 75,
     (*_ELEMENT, "Keyword", "Keyword Type")),
    ("sample_of_reported_titles.tsv", "Sample of Reported Titles",
     "c281df9fa0d0d12b363149ef7be8f88873b22931294eee02523bb5c424d628b3", 7955,
     (*_SOC_TITLE, "Reported Job Title", "Shown in My Next Move")),
    ("scales_reference.tsv", "Scales Reference",
     "3aaef1b53dc0474ca53b31c70fafacf07c8b9f826fc01f73d6c4642ba3714999", 31,
     (*_SCALE, ("Minimum", "int"), ("Maximum", "int"))),
    ("skills.tsv", "Skills",
     "4818aa66c8ad462017ea8825b5db5449f58d2dd16c792eb613f60c56e2c22666", 62580, _RATED),
    ("skills_to_work_activities.tsv", "Skills to Work Activities",
     "08be3fc3b6682e52fcc626b3fa70c3add9da4b529895760abcd2ef5fe171ec31", 232,
     ("Skills Element ID", "Skills Element Name",
      "Work Activities Element ID", "Work Activities Element Name")),
    ("skills_to_work_context.tsv", "Skills to Work Context",
     "2394cfd24ab5e8ac2529846f920958a4c605902beda6b2cd5838cce9ed70a4fb", 96,
     ("Skills Element ID", "Skills Element Name",
      "Work Context Element ID", "Work Context Element Name")),
    ("task_categories.tsv", "Task Categories",
     "67e6b68e43bb7ee19f0be321b5c1f1c170b4c85a1760ca15c66893114401b229", 7,
     (*_SCALE, ("Category", "int"), "Category Description")),
    ("task_statements.tsv", "Task Statements",
     "043b8def3afd16a9585ebc90be85cab35e2e3678fba2c0ace3c7011a348d0a37", 18796,
     (*_SOC_TITLE, ("Task ID", "int"), "Task", "Task Type", ("Incumbents Responding", "int"),
      "Date", "Domain Source")),
    ("tasks_to_dwas.tsv", "Tasks to DWAs",
     "3c24b87d0dea4366e1742124018e7b0145f48dee39b6ce9f50a43568d652b202", 23850,
     (*_SOC_TITLE, ("Task ID", "int"), "Task", "DWA ID", "DWA Title", "Date", "Domain Source")),
    ("technology_skills.tsv", "Technology Skills",
     "bf8c01200ae6b16fef61339dc1d4ca38083e0c16dab51d7040e338377e887bcd", 32773,
     (*_SOC_TITLE, "Example", "Commodity Code", "Commodity Title", "Hot Technology",
      "In Demand")),
    ("work_context_categories.tsv", "Work Context Categories",
     "7efcbb7ac5e3bf6287178959bc73ba13616396b427bc6eaa8a1d118f4cdbf18f", 281,
     (*_ELEMENT, *_SCALE, ("Category", "int"), "Category Description")),
    ("work_styles.tsv", "Work Styles",
     "21ac85f9dd2143543c523f9786a2f48b133dd404e72c46086c0cdedb92f03b39", 37422, _SIMPLE_RATED),
    ("work_values.tsv", "Work Values",
     "56cca0c2e3c3c9825456b027cf030f7121e9533cf7e677166afc157ef37d5df3", 7866, _SIMPLE_RATED),
)  # fmt: skip


def _onet() -> Dataset:
    files = [
        DataFile(
            path,
            sha,
            OnetTextMember(ONET_ZIP, f"db_30_1_text/{original}.txt"),
            "tsv",
            rows,
            _cols(*columns),
        )
        for path, original, sha, rows, columns in _ONET_FILES
    ]
    files.append(
        DataFile(
            "ONET_READ_ME.txt",
            "1e5903ee891828d3855b68e78a5782759cc6f26c0caf393440d6d88f7f4b0604",
            OnetTextMember(ONET_ZIP, "db_30_1_text/Read Me.txt"),
            "text",
        )
    )
    return Dataset(
        id="onet",
        title_ko="O*NET 30.1 직업정보 데이터베이스",
        title_en="O*NET 30.1 Database",
        version="30.1 (December 2025)",
        licence="CC BY 4.0",
        citation="O*NET 30.1 Database by the U.S. Department of Labor, Employment and Training "
        f"Administration (USDOL/ETA). Used under the CC BY 4.0 license. {ONET_CC}",
        folder="onet-30.1",
        origin="https://www.onetcenter.org/database.html",
        files=tuple(files),
        notes="related_occupations is ground truth for transition evaluation: never a feature.",
    )


# --- the other datasets -------------------------------------------------------------------------

_KSIC_REPO, _KSIC_COMMIT = "jjyunnn/KSIC", "ac05830e29a6652d0abb3f5647d0b2d3d38ac397"
_VISABLE = "club-paradiso/Visable"
_RUSS, _RUSS_COMMIT = "danielruss/codingsystems", "f7b531e6a8de84e375d49ceb2927da2a4420281e"
_GPTS, _GPTS_COMMIT = "openai/GPTs-are-GPTs", "0471612fef3cc22b74fb884d27bff9dbd3770582"
_AIOE, _AIOE_COMMIT = "AIOE-Data/AIOE", "adca5fc2cd0e9a659ff05278b7fa7a53f4f324c1"
_MS, _MS_COMMIT = "microsoft/working-with-ai", "84c4ebacaa39d1c11e26e16c2f2c98aa89a11834"
_STRAUSS, _STRAUSS_COMMIT = (
    "IlanStrauss/anthropic-onet-crosswalk",
    "2d06ed3635f75d1e4d9e9f6c48e168b2e0b7347b",
)
_ACC, _ACC_COMMIT = (
    "minimin227/Dashboard_for_public_data",
    "ee90ec47301c6ada7954960f2a576590aabd1522",
)
_PET, _PET_COMMIT = "lovit/petitions_archive", "03dc3f3d69e03a0a4885350c6991e328fc0a6b81"

_KSIC_CD_NM: tuple[str | tuple[str, ColumnType], ...] = ("cd", "nm", ("digit", "int"), "ksic_C")
_KSIC_TREE = tuple(f"ksic{level}_{part}" for level in range(1, 6) for part in ("cd", "nm"))
_ACCIDENT_SIZES = (
    "전체", "5인 미만", "5~9인", "10~29인", "30~49인", "50~99인", "100~299인", "300~499인",
    "500~999인", "1000인 이상",
)  # fmt: skip

# KOSHA safety-material links per accident type: (type, sha256, rows); one table, `accident_type`.
_ACCIDENT_TYPES = (
    ("감전", "6ff59f4f25a0dc17368c21185bc7ddf34a349cd5ceba5aeec05d56fd0f72e373", 100),
    ("기타", "858275ef4ac4edffdbdeee45753098794b6c656577254bffc17f11842c40bf81", 73),
    ("깔림.뒤집힘", "d2d965d2fef1969e24c66a0c6f56aab3e5e067b1ea889da0adbe4dd88c8b39b9", 100),
    ("끼임", "1cb3d0e43a987a601040f6a12e4f1ee29b2895c149269c7294f8fde02a8d7b96", 100),
    ("넘어짐", "9fce9a94611003cbb5cf9bf25bef9020df67779a01331d7211682fd4da2e431b", 100),
    ("동물상해", "91ee417b11b83deef0161034337cfc795ae532eb3d59f4c7b370f57b2019f064", 20),
    ("떨어짐", "807b9ab56b3cf9b7cceb5d9d2e9ef638a71cae51008086a8a5ebf2c8fb254dd6", 100),
    ("무너짐", "f48c0cee96f5e820aa17bc4976f990dbb8c42c77b3f37ec731125d17032633af", 100),
    ("물체에맞음", "117667762831896a6adc174416f61d164a32c94ac93585a2fa75f7ef708ac1c6", 100),
    ("부딪힘", "373713b957de6c41586a38b0fc8525961e997657a588f01a5d6e3917651185b5", 100),
    ("분류불능", "8c9bd6f37b2c13d80aae246b0fcbd8785f42ace7efa28917b4c4093295f1f53a", 36),
    ("불균형및무리한동작", "3ffb8c0e33ffdb14aa1b83578454693d3d712d159f99a5cff58cdb4f79972096", 100),
    ("빠짐익사", "dc86a32ee2ce379e14ae15d3705897161b1adebc6c7ac1247f3a2f77a59833b8", 39),
    ("사업장내교통사고", "64975b5ef4ee1943148684c7920f71c28469efc7fd785221c75f0782429ba65c", 60),
    ("사업장외교통사고", "99487f1e003ac344580159e25f9da15581ef2166594e95fcefd014588f01bc93", 100),
    ("산소결핍", "b8a909bbbf432eee05a7d635e29202f29e1a969b6ef963270c2590310435e655", 100),
    ("업무상질병", "8a2d7d55763feaa135ae70033ea83f5af014d8d91bca279ccd793b338414306b", 100),
    ("이상온도물체접촉", "d0c96ca5b83bb64df488fd73d4aebe6387034202150765eb66f6f62ebb8997f5", 100),
    ("절단베임찔림", "f7035f79b8ad3d64748b059f47051ecd033dc9c88f822a271ddcc527641d02b3", 100),
    ("체육행사", "69135806d49b764765991fe9c82a0525ff4dddddaa5e14786d7feec158e22ae1", 22),
    ("폭력행위", "b583088c810fc1fd93a2783f9cc80d9eca544c27dad1fbb2cda3b7f9fa27a418", 20),
    ("폭발파열", "580bc54f8d6b3cb3be4d1158d84c2b0e1e53a989c24de60cea4601ca7a0b3e61", 100),
    ("화재", "ad6e67905cb344d342863b955f2910bf74673a061f44ace1e8105b6bcd6d350c", 100),
    ("화학물질누출접촉", "c2535b93ad63d55b6914c695216676192697719e14f22da761693e4f9a7d3384", 100),
)

# Blue House petitions: (month, sha256, rows)
_PETITION_MONTHS = (
    ("2017-08", "13f09d466b6a8f5732bf5609f0799701dc397c5740d75275b5977bd9930c4729", 662),
    ("2019-04", "6db47ca63b0f46731ec22a2043aa55bd2928efd620bf9cc8c52726f7962b2fc0", 494),
    ("2019-05", "624dadd3d1f8b5ed9065e7b539095990dcb1babe40fb6b9d45f3feb025f8b5a6", 714),
    ("2019-06", "28886a963d2fabdad0e90ec2d64adf42dc0668389250fb6a4969fad968240282", 572),
    ("2019-07", "bc15c72d2e0e15ff0b05488127841a110784168149ef17f578622c9103771e12", 610),
    ("2019-08", "6364e84171bb4ddbc03cf1445d91e19d05bfe568baeceb0a573079092e8a5500", 639),
)


def _ksco8() -> Dataset:
    commit = "a35eb39241b1b3cf8f53dd3329439c7b5bed25bc"
    return Dataset(
        id="ksco8",
        title_ko="한국표준직업분류 제8차 개정",
        title_en="Korean Standard Classification of Occupations, 8th revision (KSCO 8)",
        version="KSCO 8 (통계청 고시 제2024-328호, in force 2025-01-01)",
        licence="Statistics Korea standard classification; attribution to Statistics Korea",
        citation="통계청 (2024) 한국표준직업분류 제8차 개정. Code list via club-paradiso/Visable "
        f"@{commit[:7]} (KSCO8↔ISCO08 연계표, KSCO side).",
        folder="ksco8-korean-occupation-codes",
        origin=f"https://github.com/{_VISABLE}/tree/{commit}/data/generated",
        files=(
            DataFile(
                "ksco8_codes_4level_with_en.csv",
                "0f8ec07f46e405048738d81f35dd35f8241479c758f111b2bcced3bf5014affa",
                RawFile(
                    _gh(_VISABLE, commit, "data/generated/employment_reporting_ksco8_candidate.csv")
                ),
                "csv",
                728,
                _cols("code", "title_ko", "level", "parent_code", "name_en"),
            ),
        ),
    )


def _ksic() -> Dataset:
    def rda(path: str, sha: str, obj: str, rows: int, columns: tuple[Column, ...]) -> DataFile:
        url = _gh(_KSIC_REPO, _KSIC_COMMIT, f"data/{obj}.rda")
        return DataFile(path, sha, RdaObject(url, obj), "csv", rows, columns)

    concordance = ("ksic{a}_cd", "ksic{a}_nm", "ksic{b}_cd", "ksic{b}_nm")
    ksic11_commit = "3ff48f3a8e8ab9ea4bfce650f4a8bf1bf46461f3"
    return Dataset(
        id="ksic",
        title_ko="한국표준산업분류 제9·10·11차 개정",
        title_en="Korean Standard Industrial Classification, revisions 9, 10 and 11 (KSIC)",
        version="KSIC 9/10 (R package KSIC @ac05830) + KSIC 11 (통계청 고시 제2024-2호)",
        licence="MIT (R package KSIC); KSIC 11 list: Statistics Korea standard, attribution",
        citation="Yun J. KSIC: Korean Standard Industrial Classification (R package, MIT); "
        "통계청 (2024) 한국표준산업분류 제11차 개정.",
        folder="ksic-korean-industry-codes",
        origin=f"https://github.com/{_KSIC_REPO}/tree/{_KSIC_COMMIT}/data",
        files=(
            rda("ksic_codes_rev9_rev10.csv",
                "f48b097b67d57d4ac79d442070e2a98eaee5b04e2b85a6bebaef539d4ddc24a8", "ksicDB", 3978,
                _cols(*_KSIC_CD_NM)),
            rda("ksic_tree_rev9_rev10.csv",
                "7633282e7a684c135ec796f393c09a6fe005aa4a3abe1b8ee06ed4ace5368c8e", "ksicTreeDB",
                2342, _cols(*_KSIC_TREE, "ksic_C")),
            rda("ksic9_to_ksic10.csv",
                "268e07e70b83e59bd58d7a697ae68108e620f5d0bc335cdebeb674fdd1f7676b", "ksic_9_to_10",
                1377, _cols(*(c.format(a=9, b=10) for c in concordance), ("con", "int"), "detail")),
            rda("ksic10_to_ksic9.csv",
                "e2015f88df3374ea1c4e8cdabc7a104b858a215aea59fbcd141f7a268c4b059f", "ksic_10_to_9",
                1377, _cols(*(c.format(a=10, b=9) for c in concordance), ("con", "int"), "detail")),
            DataFile(
                "ksic11_codes_full.csv",
                "f917db8f9a43c8f7941f6223fbf4e97d6260a37cca008caafe2b1883d352b92d",
                RawFile(_gh(_VISABLE, ksic11_commit, "data/sources/ksic11_full_2038.csv"),
                        crlf_to_lf=True),
                "csv", 2038, _cols("code", "title_ko"),
            ),
        ),
    )  # fmt: skip


def _career_changers() -> Dataset:
    repo, commit = "robertroussel/jobfinderproject", "2b6b20a0074c4b46813fcc43fd8ef997db38ef8e"
    return Dataset(
        id="onet_career_changers",
        title_ko="O*NET 직업 전환 매트릭스 (25.x)",
        title_en="O*NET Career Changers Matrix (25.x)",
        version="O*NET 25.x (inferred 25.1/25.2)",
        licence="CC BY 4.0",
        citation=f"O*NET 25.x Database by USDOL/ETA, used under CC BY 4.0. {ONET_CC}",
        folder="onet-career-changers-matrix-25x",
        origin=f"https://github.com/{repo}/tree/{commit}",
        files=(
            DataFile(
                "career_changers_matrix.tsv",
                "c0499024e5069c839a385ff0f6befd9bf4da06d42dd152db90c65dbde1f733fc",
                XlsxSheet(_gh(repo, commit, "Career Changers Matrix.xlsx")),
                "tsv",
                7221,
                _cols(*_SOC_TITLE, "Related O*NET-SOC Code", "Related Title", ("Index", "int")),
            ),
        ),
        evaluation_only=True,
        notes="Ground truth for judging transition recommendations: never a feature or target.",
    )


def _crosswalks() -> Dataset:
    def russ(path: str, sha: str, rows: int, *columns: str | tuple[str, ColumnType]) -> DataFile:
        return DataFile(
            path, sha, RawFile(_gh(_RUSS, _RUSS_COMMIT, path)), "csv", rows, _cols(*columns)
        )

    return Dataset(
        id="crosswalks",
        title_ko="직업분류 연계표 (ISCO-08·SOC 2010·SOC 2018·O*NET-SOC)",
        title_en="Occupation crosswalks (ISCO-08, SOC 2010, SOC 2018, O*NET-SOC)",
        version=f"codingsystems @{_RUSS_COMMIT[:7]}; BLS NEM crosswalk 2023-09-06",
        licence="U.S. federal government works (BLS), public domain",
        citation="U.S. Bureau of Labor Statistics crosswalks, via danielruss/codingsystems "
        "(SOCcer) and openai/GPTs-are-GPTs.",
        folder="crosswalks-occupation",
        origin=f"https://github.com/{_RUSS}/tree/{_RUSS_COMMIT}",
        files=(
            russ("isco2008_soc2010.csv",
                 "cf2c93d4d1386f0951a1898ef44f624530a50011ee95b98a3c82bdb7baca42f6", 1125,
                 "isco2008", "isco2008_title", "soc2010", "soc2010_title"),
            russ("soc2010_isco2008.csv",
                 "4fa01b20134d7b69a0a9a276e493c34175bf7a1edd13b6046d69a518a5c26a41", 1125,
                 "soc2010", "soc2010_title", "isco2008", "isco2008_title"),
            russ("soc2010_soc2018.csv",
                 "c0fc9f71aca3917d2847edd500af06369213d9223d78b32e21bcd6b3f0d3d136", 900,
                 "soc2010", "soc2010_title", "soc2018", "soc2018_title"),
            russ("soc2018_all.csv",
                 "42580e844bf8e6f3f7ad3610b95df966a46c0a132d5ae6bc1bc115546cdd244e", 1447,
                 "code", "title", ("Level", "int"), "Hierarchical_structure", "parent", "soc2d",
                 "soc3d", "soc5d", "soc6d"),
            russ("soc2018_6digit.csv",
                 "0532d7ee47685158da351615c651a461e05dc5b033ef41897d33d60fc4fc972d", 867,
                 "soc2018_code", "soc2018_title"),
            russ("soc2010_6digit.csv",
                 "1cf1d7eace5f2c114f841203b0a0beace66d21d70f1e6807644dff6e53b7c518", 841,
                 "soc_code", "title"),
            russ("isco1988_isco2008.csv",
                 "eab053e9d4ae2422cec7809548adc2ba16668a3392c2024323132cafa7bb933e", 678,
                 "isco1988", "isco1988_title", "isco2008", "isco2008_title"),
            DataFile(
                "bls_onet_soc_to_nem_ooh_crosswalk_2023-09.csv",
                "8694aff9f581226e0e23c4d63b12b8b0f4b2c2b2318ba7f4868fe578e94a7941",
                XlsxSheet(_gh(_GPTS, _GPTS_COMMIT, "data/nem-onet-to-soc-crosswalk.xlsx")),
                "csv", 997,
                _cols(("Sort Order", "int"), "O*NET-SOC Code", "O*NET-SOC Title", "NEM Code",
                      "National Employment Matrix Occupational Title", "OOH Profile Code",
                      "OOH Profile Title", "OOH Occupation Group", "OOH Occupation Group (brief)",
                      "OOH Profile Website"),
                newline="\r\n",
            ),
        ),
    )  # fmt: skip


def _felten() -> Dataset:
    def sheet(
        path: str, sha: str, book: str, name: str, rows: int, *columns: str | tuple[str, ColumnType]
    ) -> DataFile:
        url = _gh(_AIOE, _AIOE_COMMIT, book)
        return DataFile(path, sha, XlsxSheet(url, name), "csv", rows, _cols(*columns))

    appendix, lm, ig = (
        "AIOE_DataAppendix.xlsx",
        "Language Modeling AIOE and AIIE.xlsx",
        "Image Generation AIOE and AIIE.xlsx",
    )
    apps = (
        "Abstract Strategy Games",
        "Real-Time Video Games",
        "Image Recognition",
        "Visual Question Answering",
        "Generating Images",
        "Reading Comprehension",
        "Language Modeling",
        "Translation",
        "Speech Recognition",
        "Instrumental Track Recognition",
    )
    return Dataset(
        id="felten_aioe",
        title_ko="AI 직업·산업·지역 노출 지수 (Felten·Raj·Seamans)",
        title_en="AI Occupational, Industry and Geographic Exposure (Felten, Raj & Seamans)",
        version=f"AIOE-Data/AIOE @{_AIOE_COMMIT[:7]} (2021 AIOE; 2023 LM/IG variants)",
        licence="Academic research data: cite; confirm terms before redistribution",
        citation="Felten E, Raj M, Seamans R (2021) Occupational, industry, and geographic "
        "exposure to artificial intelligence. Strategic Management Journal 42(12):2195-2217; "
        "Felten, Raj & Seamans (2023) How will Language Modelers like ChatGPT Affect "
        "Occupations and Industries?",
        folder="ai-exposure-felten-aioe",
        origin=f"https://github.com/{_AIOE}/tree/{_AIOE_COMMIT}",
        files=(
            sheet("aioe_by_occupation_soc2010.csv",
                  "de007465aeb107f90a0563e65095b818ad7cad0894f971c8e31a4abca44abca8", appendix,
                  "Appendix A", 774, "SOC Code", "Occupation Title", ("AIOE", "float")),
            sheet("aiie_by_industry_naics4.csv",
                  "f0311e75a9b82ae0da31c9537b5f02da8ab3e307355f6b4d5e315bf23dc31c8e", appendix,
                  "Appendix B", 250, "NAICS", "Industry Title", ("AIIE", "float")),
            sheet("aige_by_county_fips.csv",
                  "bd6f96d83cfa63a0a807930fc797b070dea52f8328ad65196a79336e1d1b6df0", appendix,
                  "Appendix C", 3271, "FIPS Code", "Geographic Area", ("AIGE", "float")),
            sheet("ai_application_ability_matrix.csv",
                  "7280a770d4b7a955cfde0c52d014a64092bb2af237848621644a9a8dfb568efd", appendix,
                  "Appendix D", 52, "", *_floats(*apps)),
            sheet("ability_level_ai_exposure.csv",
                  "3ce20822706ad2877f2855e264836c2137c77ca5e693320f4d4964637fd8b531", appendix,
                  "Appendix E", 52, "O*NET Abilities", ("Ability-Level AI Exposure", "float")),
            sheet("language_modeling_aioe_by_occupation.csv",
                  "7e7153914573f7cab8cf554542b51525ae72b6d43eac96663987f31331eb1410", lm,
                  "LM AIOE", 774, "SOC Code", "Occupation Title",
                  ("Language Modeling AIOE", "float")),
            sheet("language_modeling_aiie_by_industry.csv",
                  "5c881a8c70f7292ca2f66cb49542be431c602e210c920a39598d5dae5fb7edbe", lm,
                  "LM AIIE", 250, "NAICS", "NAICS Description",
                  ("Language Modeling AIIE", "float")),
            sheet("image_generation_aioe_by_occupation.csv",
                  "c447e2e31ba8c18094235033be0b3f4fd593903b268532471956fc262b6980a1", ig,
                  "IG AIOE", 774, "SOC Code", "Occupation Title",
                  ("Image Generation AIOE", "float")),
            sheet("image_generation_aiie_by_industry.csv",
                  "6bbe43931c3e4c7bfbb598177c3e39c6a38a2b83f949c325d9eefbe16d2b19aa", ig,
                  "IG AIIE", 250, "NAICS", "NAICS Description",
                  ("Image Generation AIIE", "float")),
        ),
    )  # fmt: skip


def _eloundou() -> Dataset:
    ratings = _floats(*(f"{who}_rating_{k}" for who in ("dv", "human")
                        for k in ("alpha", "beta", "gamma")))  # fmt: skip
    return Dataset(
        id="eloundou_gpts",
        title_ko="GPTs are GPTs: 직업·과업별 LLM 노출도 (Eloundou 외)",
        title_en="GPTs are GPTs: occupation- and task-level LLM exposure (Eloundou et al.)",
        version=f"openai/GPTs-are-GPTs @{_GPTS_COMMIT[:7]} (Science 2024)",
        licence="MIT (Copyright (c) 2024 OpenAI)",
        citation="Eloundou T, Manning S, Mishkin P, Rock D (2024) GPTs are GPTs: Labor market "
        "impact potential of LLMs. Science 384(6702).",
        folder="ai-exposure-eloundou-gpts-are-gpts",
        origin=f"https://github.com/{_GPTS}/tree/{_GPTS_COMMIT}/data",
        files=(
            DataFile(
                "occ_level.csv",
                "40c74f53de40aec91c0017d80690cbba915f83a8bb414bcf2f884692f1749acb",
                RawFile(_gh(_GPTS, _GPTS_COMMIT, "data/occ_level.csv")),
                "csv", 923, _cols(*_SOC_TITLE, *ratings),
            ),
            DataFile(
                "full_labelset.tsv",
                "094378905e1f3349e50a9a83dc69643a2ef227954d611c8316a46da08cb3d8de",
                RawFile(_gh(_GPTS, _GPTS_COMMIT, "data/full_labelset.tsv")),
                "tsv", 19265,
                _cols(("", "int"), "O*NET-SOC Code", ("Task ID", "float"), "Task", "Task Type",
                      "Title", "human_exposure_agg", "gpt4_exposure", "gpt4_exposure_alt_rubric",
                      ("gpt_3_relevant", "bool"), "gpt4_automation", ("alpha", "float"),
                      ("beta", "float"), ("gamma", "float"), ("automation", "float"),
                      "human_labels"),
            ),
        ),
    )  # fmt: skip


def _ilo() -> Dataset:
    repo, commit = "pgmyrek/2025_GenAI_scores_ISCO08", "6601522d6f3d670ce648eaaea7f68df8e509548c"
    book = _gh(repo, commit, "Final_Scores_ISCO08_Gmyrek_et_al_2025.xlsx")
    occupation = ("ISCO_08", "Title", "label4d", "label1d", "mean_score_2023", "mean_score_2025",
                  "SD_2023", "SD_2025", "potential23", "potential25")  # fmt: skip
    return Dataset(
        id="ilo_genai_2025",
        title_ko="ILO 생성형 AI 직업 노출 지수 2025 (ISCO-08)",
        title_en="ILO generative-AI occupational exposure 2025 (ISCO-08)",
        version=f"Gmyrek et al. 2025, ILO WP 140 (@{commit[:7]})",
        licence="No licence file; ILO publications normally CC BY 4.0 IGO: cite",
        citation="Gmyrek P, Berg J, Kamiński K, Konopczyński F, Ładna A, Nafradi B, Rosłaniec K, "
        "Troszyński M (2025) Generative AI and jobs: A refined global index of occupational "
        "exposure. ILO Working Paper 140. doi:10.54394/HETP0387",
        folder="ai-exposure-ilo-gmyrek-2025",
        origin=f"https://github.com/{repo}/tree/{commit}",
        files=(
            DataFile(
                "isco08_task_scores_gmyrek2025.csv",
                "d102fffb197a8c9353da326e7d08ee8aec9b939d9c274ae61be0d2757af91abb",
                XlsxSheet(book), "csv", 3266,
                _cols("label4d", "label1d", "ISCO_08", "Title", ("taskID", "int"), "Task_ISCO",
                      ("score_2023", "float"), ("score_2025", "float"),
                      ("mean_score_2025", "float"), "potential25"),
            ),
            DataFile(
                "isco08_occupation_scores_gmyrek2025.csv",
                "f28a8ceff8764d5c1dede6ff3dc3bc40c5521920398d02a943324b32b0a54355",
                XlsxSheet(book, columns=occupation, distinct=True), "csv", 427,
                _cols("ISCO_08", "Title", "label4d", "label1d",
                      *_floats("mean_score_2023", "mean_score_2025", "SD_2023", "SD_2025"),
                      "potential23", "potential25"),
            ),
        ),
    )  # fmt: skip


def _microsoft() -> Dataset:
    def raw(path: str, sha: str, rows: int, *columns: str | tuple[str, ColumnType]) -> DataFile:
        return DataFile(
            path, sha, RawFile(_gh(_MS, _MS_COMMIT, path)), "csv", rows, _cols(*columns)
        )

    return Dataset(
        id="microsoft_ai_applicability",
        title_ko="생성형 AI 적용 가능성 점수 (Microsoft Working with AI, SOC 2018)",
        title_en="Generative-AI applicability by occupation (Microsoft 'Working with AI', "
        "SOC 2018)",
        version=f"microsoft/working-with-ai @{_MS_COMMIT[:7]} (2025-10-17)",
        licence="CC BY 4.0",
        citation="Tomlinson K, Jaffe S, Wang W, Counts S, Suri S (2025) Working with AI: "
        "Measuring the Applicability of Generative AI to Occupations. arXiv:2507.07935",
        folder="ai-applicability-microsoft-working-with-ai",
        origin=f"https://github.com/{_MS}/tree/{_MS_COMMIT}",
        files=(
            raw("soc_ai_applicability_scores.csv",
                "2a077dbe90ff377813adac04b2acef6aee51c4b13505a4760ea84ca3efc9039a", 785,
                "SOC Code", "title", ("ai_applicability_score", "float")),
            raw("soc_metrics.csv",
                "111390f0a0d60e287dfa694b299d144f88eaebf2c4c41e910ae258f17d364a04", 785,
                "SOC Code", "title", ("coverage_user", "float"), ("coverage_ai", "float"),
                ("ai_applicability_score_user", "float"), ("ai_applicability_score_ai", "float")),
            raw("iwa_metrics.csv",
                "524f718dba31c987f0d04b55d81fac84f95533a143dfb780e04e63fb831abcf2", 332,
                "IWA", "title", ("share_user", "float"), ("share_ai", "float")),
            raw("soc_iwa_weights.csv",
                "f6467d16e4af622eca06ce07b3d9b12519998ca9504743e7f08c629592771891", 785,
                "SOC Code"),
            raw("soc_to_iwas.csv",
                "917d7f998c1cda9f8e36495b14ffb8bdbcaecf528f85b23b2cd7f16fabadd668", 13698,
                "SOC Code", "IWA"),
        ),
    )  # fmt: skip


def _anthropic() -> Dataset:
    def raw(path: str, sha: str, rows: int, *columns: str | tuple[str, ColumnType]) -> DataFile:
        url = _gh(_STRAUSS, _STRAUSS_COMMIT, f"data/processed/{path}")
        return DataFile(path, sha, RawFile(url), "csv", rows, _cols(*columns))

    return Dataset(
        id="anthropic_usage",
        title_ko="Anthropic Economic Index API 사용량의 O*NET-SOC 연계 (제3자)",
        title_en="Anthropic Economic Index API usage mapped to O*NET-SOC (third-party crosswalk)",
        version=f"AEI 1P API 2025-11-13..20; crosswalk @{_STRAUSS_COMMIT[:7]}",
        licence="No licence file: internal evaluation only, do not redistribute",
        citation="Anthropic Economic Index (Hugging Face Anthropic/EconomicIndex); O*NET mapping "
        "by IlanStrauss/anthropic-onet-crosswalk (AI Disclosures Project, 2026).",
        folder="ai-usage-anthropic-economic-index-crosswalk",
        origin=f"https://github.com/{_STRAUSS}/tree/{_STRAUSS_COMMIT}/data/processed",
        files=(
            raw("api_usage_by_occupation.csv",
                "768af9a71907ab08777684c9f1fe97d06f83099da1e4c218fa574ed7a281b59a", 566,
                "soc_code", "occupation_title", ("total_api_count", "float"), ("num_tasks", "int")),
            raw("api_usage_by_task.csv",
                "02750d1914d930da8cc92fbbe7e625033403651e02bdd32b0ac4013454151707", 2634,
                "task_description", ("api_count", "float"), "soc_code", "occupation_title"),
        ),
        notes="Observed usage, not an exposure score; 565 of ~900 occupations appear.",
    )  # fmt: skip


def _kdt() -> Dataset:
    repo, commit = "yulechestnuts/KDT_Dataset", "c5dbe8acf634d605d66a37350c40e519fe7b4d06"
    return Dataset(
        id="kdt_courses",
        title_ko="K-디지털 트레이닝 훈련과정 (HRD-Net, 2021-01~2024-10)",
        title_en="K-Digital Training course runs (HRD-Net, 2021-01 to 2024-10)",
        version=f"result_kdtdata_202410 (@{commit[:7]})",
        licence="Public course information (HRD-Net/고용24); compilation has no licence file",
        citation="고용노동부 K-디지털 트레이닝 과정 정보 (HRD-Net), compiled by "
        "yulechestnuts/KDT_Dataset. Revenue columns are the compiler's estimates.",
        folder="kdt-training-courses-hrdnet",
        origin=f"https://github.com/{repo}/tree/{commit}",
        files=(
            DataFile(
                "kdt_courses_2021-01_to_2024-10.csv",
                "11b43db9d90e621e923cdcfafe5a72cc3c606638f007b074ce031c287bca26ed",
                RawFile(_gh(repo, commit, "result_kdtdata_202410.csv")), "csv", 3960,
                _cols("고유값", "과정명", "훈련과정 ID", ("회차", "int"), "훈련기관",
                      "과정시작일", "과정종료일", "NCS명", "NCS코드", ("정원", "int"),
                      ("수강신청 인원", "int"), ("수료인원", "int"), "수료율",
                      ("만족도", "float"), "지역"),
                encoding="utf-8-sig",
            ),
        ),
    )  # fmt: skip


def _accidents() -> Dataset:
    def url(source: str) -> RawFile:
        return RawFile(_gh(_ACC, _ACC_COMMIT, source), byte_stable=False)

    guidance = _cols("제목", "링크", "날짜")
    by_type = tuple(
        DataFile(
            f"kosha_guidance_links_by_accident_type/{kind}.csv", sha, url(f"발생형태/{kind}.csv"),
            "csv", rows, guidance, encoding="utf-8-sig",
            newline="\r\n" if kind == "사업장외교통사고" else "\n",
            final_newline=kind != "사업장외교통사고",
            table="kosha_guidance_links_by_accident_type", partition=("accident_type", kind),
        )
        for kind, sha, rows in _ACCIDENT_TYPES
    )  # fmt: skip
    return Dataset(
        id="kr_accidents",
        title_ko="산업재해 현황 (업종·규모별, 2021~2023) 및 KOSHA 안전자료 링크",
        title_en="Korean industrial accidents by industry and size (2021-2023), KOSHA guidance",
        version=f"minimin227/Dashboard_for_public_data @{_ACC_COMMIT[:7]}",
        licence="Public statistics (KOGL attribution); repository code GPL-3.0",
        citation="고용노동부·한국산업안전보건공단 산업재해 현황, via "
        "minimin227/Dashboard_for_public_data.",
        folder="korea-industrial-accidents",
        origin=f"https://github.com/{_ACC}/tree/{_ACC_COMMIT}",
        files=(
            DataFile("accidents_by_industry_size_2021-2023.csv",
                     "38e824e2455157dda3b3eee3795ab27941cc1052590295e8aa9663c17915c406",
                     url("Data/전체_재해_현황_및_분석규모별_산업별_중분류.csv"), "csv", 492,
                     _cols("대업종", "중업종", "항목", *_ACCIDENT_SIZES, ("통계기준년", "int")),
                     newline="\r\n", final_newline=False),
            DataFile("kosha_guidance_links_by_industry.csv",
                     "208590bc6dbcf3c73eded7ddaa344df3cfc7f591faa6b3dc121742ff87f2128b",
                     url("Data/중업종리스트.csv"), "csv", 30,
                     _cols("중업종", "링크1", "링크2", "링크3"), newline="\r\n",
                     final_newline=False),
            *by_type,
        ),
        notes="Industries follow the 산재보험 업종 classification, not KSIC.",
    )  # fmt: skip


def _bls() -> Dataset:
    return Dataset(
        id="bls_oews",
        title_ko="미국 BLS 직업별 고용·임금 통계 (OEWS, 2024년 5월, 전국)",
        title_en="BLS Occupational Employment and Wage Statistics, national, May 2024",
        version="OEWS May 2024 (national_M2024_dl)",
        licence="U.S. federal government work, public domain",
        citation="U.S. Bureau of Labor Statistics, Occupational Employment and Wage Statistics, "
        "May 2024 national estimates.",
        folder="bls-oews-national",
        origin="https://www.bls.gov/oes/tables.htm",
        files=(
            DataFile(
                "oews_national_may2024.csv",
                "ecd813b15d93e4226c95d462424fbbbe8ba799f8c4d5d31039a87dfb1102a665",
                XlsxSheet(_gh(_STRAUSS, _STRAUSS_COMMIT, "data/bls_oes/national_M2024_dl.xlsx"),
                          trim_trailing_empty=True),
                "csv", 1403,
                _cols("AREA", "AREA_TITLE", "AREA_TYPE", "PRIM_STATE", "NAICS", "OWN_CODE",
                      "OCC_CODE", "OCC_TITLE", "O_GROUP",
                      ("TOT_EMP", "int"), "H_MEAN", "A_MEAN", "H_MEDIAN", "A_MEDIAN", "ANNUAL",
                      "HOURLY"),
            ),
        ),
        notes="The publisher's own xlsx (bls.gov) refuses scripted clients; the identical "
        "official file vendored at a pinned commit is fetched instead.",
    )  # fmt: skip


def _petitions() -> Dataset:
    columns = _cols("category", "begin", "end", "content", ("num_agree", "int"), "petition_idx",
                    "status", "title")  # fmt: skip
    return Dataset(
        id="petitions",
        title_ko="청와대 국민청원 (분류 17종, 평가 전용)",
        title_en="Blue House national petitions with 17 categories (evaluation only)",
        version=f"lovit/petitions_archive @{_PET_COMMIT[:7]} (6 months)",
        licence="KOGL Type 1 origin; no repository licence: internal use, never republish text",
        citation="lovit/petitions_archive (청와대 국민청원 게시판, "
        "www1.president.go.kr/petitions).",
        folder="korean-petitions-lovit",
        origin=f"https://github.com/{_PET}/tree/{_PET_COMMIT}",
        files=tuple(
            DataFile(f"petitions_{month}.jsonl", sha,
                     RawFile(_gh(_PET, _PET_COMMIT, f"petitions_{month}")), "jsonl", rows, columns)
            for month, sha, rows in _PETITION_MONTHS
        ),
        evaluation_only=True,
        notes="Routing benchmark: train only on its training split; never republish its text.",
    )  # fmt: skip


@cache
def _registry() -> dict[str, Dataset]:
    declared = (
        _ksco8(), _ksic(), _onet(), _career_changers(), _crosswalks(), _felten(), _eloundou(),
        _ilo(), _microsoft(), _anthropic(), _kdt(), _accidents(), _bls(), _petitions(),
    )  # fmt: skip
    return {dataset.id: dataset for dataset in declared}


def list_datasets() -> list[Dataset]:
    """Every declared dataset, in registry order."""
    return list(_registry().values())


def dataset_ids() -> list[str]:
    """The ids of every declared dataset."""
    return list(_registry())


def get_dataset(dataset_id: str) -> Dataset:
    """Return one dataset declaration.

    Raises:
        NotFoundError: The id is not declared.
    """
    try:
        return _registry()[dataset_id]
    except KeyError:
        known = ", ".join(_registry())
        raise NotFoundError(
            f"데이터셋 '{dataset_id}'이(가) 없습니다. / Unknown dataset '{dataset_id}' "
            f"(known: {known}).",
            dataset=dataset_id,
        ) from None
