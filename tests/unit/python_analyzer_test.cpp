// Python analyzer: Flask and FastAPI routes (prefixes, methods, registrations across modules), parameters and
// their JSON Schemas, public functions, filters, auth, effects, and robustness on broken or hostile source.
#include <doctest/doctest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "analyze/code/python.h"
#include "analyze/code/python_docstring.h"
#include "analyze/code/python_facts.h"
#include "test_support.h"

namespace {

using smeltsec::analyze::code::analyze_python;
using smeltsec::analyze::code::Candidate;
using smeltsec::analyze::code::CodeAnalysis;
using smeltsec::analyze::code::Param;
using smeltsec::analyze::code::SourceFile;

struct Src {
  std::string path;
  std::string text;
};

CodeAnalysis run(const std::vector<Src>& files) {
  std::vector<SourceFile> v;
  for (const Src& f : files) v.push_back({f.path, f.text, "python"});
  CodeAnalysis out;
  analyze_python(v, out);
  return out;
}

CodeAnalysis run1(const std::string& text) {
  return run({{"app.py", text}});
}

// "GET /items" per route, in output order; " auth" appended when asked and the route needs auth.
std::vector<std::string> routes(const CodeAnalysis& a, bool with_auth = false) {
  std::vector<std::string> out;
  for (const Candidate& c : a.candidates) {
    if (c.kind == "route") out.push_back(c.method + " " + c.path + (with_auth && c.auth ? " auth" : ""));
  }
  return out;
}

std::vector<std::string> sorted(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  return v;
}

std::vector<std::string> function_names(const CodeAnalysis& a) {
  std::vector<std::string> out;
  for (const Candidate& c : a.candidates) {
    if (c.kind == "function") out.push_back(c.name);
  }
  return out;
}

const Candidate* find(const CodeAnalysis& a, const std::string& name, const std::string& method = "") {
  for (const Candidate& c : a.candidates) {
    if (c.name == name && (method.empty() || c.method == method)) return &c;
  }
  return nullptr;
}

const Param* param(const Candidate& c, const std::string& name) {
  for (const Param& p : c.params) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

std::vector<std::string> effect_kinds(const Candidate& c) {
  std::vector<std::string> out;
  for (const auto& e : c.effects) out.push_back(e.kind);
  return out;
}

struct RouteCase {
  const char* name;
  std::vector<Src> files;
  std::vector<std::string> expected;  // sorted "METHOD /path"
};

void check_routes(const std::vector<RouteCase>& cases) {
  for (const RouteCase& c : cases) {
    CAPTURE(c.name);
    const CodeAnalysis a = run(c.files);
    CHECK(sorted(routes(a)) == sorted(c.expected));
  }
}

}  // namespace

TEST_CASE("python: Flask routes, methods and prefixes") {
  check_routes({
      {"route defaults to GET; methods list and tuple; shortcuts",
       {{"app.py", R"PY(
from flask import Flask
app = Flask(__name__)

@app.route("/")
def index(): ...

@app.route("/items", methods=["GET", "POST"])
def items(): ...

@app.route("/tuple", methods=("put", "PATCH"))
def tupled(): ...

@app.get("/g")
def g(): ...
@app.post("/p")
def p(): ...
@app.put("/u")
def u(): ...
@app.delete("/d")
def d(): ...
@app.patch("/pa")
def pa(): ...
)PY"}},
       {"GET /", "GET /items", "POST /items", "PUT /tuple", "PATCH /tuple", "GET /g", "POST /p", "PUT /u", "DELETE /d",
        "PATCH /pa"}},
      {"methods from a module constant",
       {{"app.py", R"PY(
from flask import Flask
app = Flask(__name__)
WRITE = ["POST", "PUT"]
@app.route("/w", methods=WRITE)
def w(): ...
)PY"}},
       {"POST /w", "PUT /w"}},
      {"blueprint prefix at definition; registration prefix overrides it",
       {{"app.py", R"PY(
from flask import Flask, Blueprint
app = Flask(__name__)
a = Blueprint("a", __name__, url_prefix="/a")
b = Blueprint("b", __name__, url_prefix="/b")

@a.route("/x")
def ax(): ...

@b.route("/y")
def by(): ...

app.register_blueprint(a)
app.register_blueprint(b, url_prefix="/override")
)PY"}},
       {"GET /a/x", "GET /override/y"}},
      {"nested blueprints join prefixes; a blueprint registered twice serves twice",
       {{"app.py", R"PY(
from flask import Flask, Blueprint
app = Flask(__name__)
parent = Blueprint("parent", __name__, url_prefix="/parent/")
child = Blueprint("child", __name__, url_prefix="/child")
grandchild = Blueprint("gc", __name__)

@child.get("/leaf")
def leaf(): ...

@grandchild.route("/deep")
def deep(): ...

child.register_blueprint(grandchild, url_prefix="/gc")
parent.register_blueprint(child)
app.register_blueprint(parent)
app.register_blueprint(parent, url_prefix="/v2", name="parent_v2")
)PY"}},
       {"GET /parent/child/leaf", "GET /parent/child/gc/deep", "GET /v2/child/leaf", "GET /v2/child/gc/deep"}},
      {"add_url_rule: keyword and positional view functions, methods",
       {{"app.py", R"PY(
from flask import Flask
app = Flask(__name__)

def ping(): ...
def create(): ...

app.add_url_rule("/ping", view_func=ping)
app.add_url_rule("/create", "create", create, methods=["POST"])
)PY"}},
       {"GET /ping", "POST /create"}},
      {"app factory: app, blueprints and routes inside a function; loop over blueprints",
       {{"factory/__init__.py", R"PY(
from flask import Flask

def create_app():
    app = Flask(__name__)
    from .users import users
    from .orders import orders
    for bp in (users, orders):
        app.register_blueprint(bp, url_prefix="/api")

    @app.route("/health")
    def health():
        return "ok"

    return app
)PY"},
        {"factory/users.py", R"PY(
from flask import Blueprint
users = Blueprint("users", __name__)
@users.route("/users/<int:user_id>")
def get_user(user_id): ...
)PY"},
        {"factory/orders.py", R"PY(
from flask import Blueprint
orders = Blueprint("orders", __name__)
@orders.post("/orders")
def create_order(): ...
)PY"}},
       {"GET /health", "GET /api/users/{user_id}", "POST /api/orders"}},
      {"blueprints across modules: from-import, module import, relative import, package re-export",
       {{"shop/__init__.py", R"PY(
from flask import Flask
from . import views
import shop.admin as admin
from shop.api import api_bp

app = Flask(__name__)
app.register_blueprint(views.bp, url_prefix="/v")
app.register_blueprint(admin.bp)
app.register_blueprint(api_bp, url_prefix="/api")
)PY"},
        {"shop/views.py", R"PY(
from flask import Blueprint
bp = Blueprint("views", __name__)
@bp.route("/home")
def home(): ...
)PY"},
        {"shop/admin.py", R"PY(
from flask import Blueprint
bp = Blueprint("admin", __name__, url_prefix="/admin")
@bp.route("/stats")
def stats(): ...
)PY"},
        {"shop/api/__init__.py", "from .routes import api_bp\n"},
        {"shop/api/routes.py", R"PY(
from flask import Blueprint
api_bp = Blueprint("api", __name__)
@api_bp.delete("/things/<thing_id>")
def delete_thing(thing_id): ...
)PY"}},
       {"GET /v/home", "GET /admin/stats", "DELETE /api/things/{thing_id}"}},
      {"routes on an app imported from another module",
       {{"proj/__init__.py", "from flask import Flask\napp = Flask(__name__)\nfrom proj import views\n"},
        {"proj/views.py", "from proj import app\n\n@app.route('/about')\ndef about(): ...\n"}},
       {"GET /about"}},
      {"class-based view through as_view",
       {{"app.py", R"PY(
from flask import Flask
from flask.views import MethodView
app = Flask(__name__)

class ItemAPI(MethodView):
    def get(self, item_id): ...
    def delete(self, item_id): ...
    def helper(self): ...

app.add_url_rule("/items/<int:item_id>", view_func=ItemAPI.as_view("item"))
)PY"}},
       {"GET /items/{item_id}", "DELETE /items/{item_id}"}},
      {"a prefix from a constant and an f-string",
       {{"app.py", R"PY(
from flask import Flask, Blueprint
API = "/api"
VERSION = "v1"
app = Flask(__name__)
bp = Blueprint("bp", __name__, url_prefix=f"{API}/{VERSION}")
@bp.get("/x")
def x(): ...
app.register_blueprint(bp)
)PY"}},
       {"GET /api/v1/x"}},
  });
}

TEST_CASE("python: what is not a Flask or FastAPI route") {
  check_routes({
      {"settings lookups that look like routes",
       {{"app.py", R"PY(
from flask import Flask
app = Flask(__name__)
port = app.get("port")
debug = app.config.get("DEBUG")
app.config.get("/not/a/route")

def configure():
    return app.get("/looks/like/a/path")

@app.errorhandler(404)
def not_found(e): ...

@app.before_request
def before(): ...

@app.cli.command("init-db")
def init_db(): ...
)PY"}},
       {}},
      {"decorators of other objects with non-path arguments",
       {{"app.py", R"PY(
from flask import Flask
from cachetools import cached
app = Flask(__name__)
cache = {}

@cache.get("key")
def f(): ...

@app.route("/real")
def real(): ...
)PY"}},
       {"GET /real"}},
      {"no framework imported: .get decorators are not routes",
       {{"lib.py", "import registry\n\n@registry.get('/x')\ndef handler(): ...\n"}},
       {}},
  });
}

TEST_CASE("python: FastAPI routes, routers and nesting") {
  check_routes({
      {"every method decorator and api_route",
       {{"main.py", R"PY(
from fastapi import FastAPI
app = FastAPI()
@app.get("/a")
def a(): ...
@app.post("/b")
def b(): ...
@app.put("/c")
def c(): ...
@app.delete("/d")
def d(): ...
@app.patch("/e")
def e(): ...
@app.options("/f")
def f(): ...
@app.head("/g")
def g(): ...
@app.api_route("/h", methods=["GET", "POST"])
def h(): ...
@app.api_route("/i")
def i(): ...
@app.websocket("/ws")
async def ws(websocket): ...
)PY"}},
       {"GET /a", "POST /b", "PUT /c", "DELETE /d", "PATCH /e", "OPTIONS /f", "HEAD /g", "GET /h", "POST /h",
        "GET /i"}},
      {"router prefixes nest at any depth across modules",
       {{"app/main.py", R"PY(
from fastapi import FastAPI
from app.api.v1 import api_router
app = FastAPI()
app.include_router(api_router, prefix="/api")
)PY"},
        {"app/api/v1/__init__.py", R"PY(
from fastapi import APIRouter
from .endpoints import users, items
api_router = APIRouter(prefix="/v1")
api_router.include_router(users.router, prefix="/users")
api_router.include_router(items.router)
)PY"},
        {"app/api/v1/endpoints/users.py", R"PY(
from fastapi import APIRouter
from . import profile
router = APIRouter()
router.include_router(profile.router, prefix="/{user_id}/profile")
@router.get("/{user_id}")
def read_user(user_id: int): ...
)PY"},
        {"app/api/v1/endpoints/profile.py", R"PY(
from fastapi import APIRouter
router = APIRouter(prefix="/p")
@router.get("/")
def read_profile(user_id: int): ...
)PY"},
        {"app/api/v1/endpoints/items.py", R"PY(
from fastapi import APIRouter
router = APIRouter(prefix="/items", tags=["items"])
@router.get("")
def list_items(): ...
@router.post("/")
def create_item(): ...
)PY"}},
       {"GET /api/v1/users/{user_id}", "GET /api/v1/users/{user_id}/profile/p/", "GET /api/v1/items",
        "POST /api/v1/items/"}},
      {"prefix from a settings object",
       {{"core/config.py", R"PY(
from pydantic_settings import BaseSettings
class Settings(BaseSettings):
    API_V1_STR: str = "/api/v1"
settings = Settings()
)PY"},
        {"main.py", R"PY(
from fastapi import FastAPI, APIRouter
from core.config import settings
app = FastAPI()
router = APIRouter()
@router.get("/ping")
def ping(): ...
app.include_router(router, prefix=settings.API_V1_STR)
)PY"}},
       {"GET /api/v1/ping"}},
      {"add_api_route and path converters",
       {{"main.py", R"PY(
from fastapi import FastAPI
app = FastAPI()
def read_file(file_path: str): ...
app.add_api_route("/files/{file_path:path}", read_file, methods=["GET"])
)PY"}},
       {"GET /files/{file_path}"}},
  });
}

TEST_CASE("python: Flask path converters become typed path parameters") {
  const CodeAnalysis a = run1(R"PY(
from flask import Flask
app = Flask(__name__)
@app.route("/u/<int:uid>/f/<float:ratio>/p/<path:rest>/id/<uuid:key>/<name>/<any(about, help):page>")
def handler(uid, ratio, rest, key, name, page): ...
)PY");
  const Candidate* c = find(a, "handler");
  REQUIRE(c != nullptr);
  CHECK(c->path == "/u/{uid}/f/{ratio}/p/{rest}/id/{key}/{name}/{page}");
  struct Expect {
    const char* name;
    const char* schema;
  };
  const Expect expected[] = {
      {"uid", R"({"type":"integer"})"}, {"ratio", R"({"type":"number"})"},
      {"rest", R"({"type":"string"})"}, {"key", R"({"type":"string","description":"Format: uuid."})"},
      {"name", R"({"type":"string"})"}, {"page", R"({"type":"string","enum":["about","help"]})"},
  };
  for (const Expect& e : expected) {
    CAPTURE(e.name);
    const Param* p = param(*c, e.name);
    REQUIRE(p != nullptr);
    CHECK(p->in == "path");
    CHECK(p->required);
    CHECK(p->schema_json == e.schema);
  }
}

TEST_CASE("python: Flask request inputs become query, form and body parameters") {
  const CodeAnalysis a = run1(R"PY(
from flask import Flask, request
app = Flask(__name__)
@app.route("/search", methods=["POST"])
def search():
    q = request.args["q"]
    page = request.args.get("page", 1, type=int)
    tags = request.args.getlist("tag")
    note = request.form.get("note")
    data = request.get_json()
    title = data["title"]
    size = data.get("size", 10)
    return q
)PY");
  const Candidate* c = find(a, "search");
  REQUIRE(c != nullptr);
  REQUIRE(c->params.size() == 5);
  CHECK(param(*c, "q")->in == "query");
  CHECK(param(*c, "q")->required);
  CHECK(param(*c, "page")->schema_json == R"({"type":"integer"})");
  CHECK_FALSE(param(*c, "page")->required);
  CHECK(param(*c, "tag")->schema_json == R"({"type":"array","items":{"type":"string"}})");
  CHECK(param(*c, "note")->in == "form");
  const Param* body = param(*c, "body");
  REQUIRE(body != nullptr);
  CHECK(body->in == "body");
  CHECK(body->schema_json.find(R"("title":)") != std::string::npos);
  CHECK(body->schema_json.find(R"("size":{"type":"integer"})") != std::string::npos);
  CHECK(body->schema_json.find(R"("required":["title"])") != std::string::npos);
  CHECK(body->schema_json.find(R"("additionalProperties":false)") != std::string::npos);
}

TEST_CASE("python: a Flask handler serving several methods: each route gets its branch's effects and inputs") {
  const CodeAnalysis a = run1(R"PY(
from flask import Flask, request
from .db import db, Note
app = Flask(__name__)

@app.route("/notes", methods=["GET", "POST"])
def notes():
    if request.method == "POST":
        db.session.add(Note(text=request.form["text"], file=request.files["attachment"]))
        db.session.commit()
        return "", 201
    return Note.query.all()

@app.route("/notes/<int:nid>", methods=["GET", "PUT", "PATCH", "DELETE"])
def note(nid):
    if request.method in ("PUT", "PATCH"):
        data = request.get_json()
        db.session.execute("UPDATE notes SET text = :t", {"t": data["text"]})
    elif request.method == "DELETE":
        db.session.execute("DELETE FROM notes WHERE id = :id", {"id": nid})
    else:
        return db.session.get(Note, nid)
    db.session.commit()
)PY");
  struct Expect {
    const char* route;
    std::vector<std::string> effects;
    std::vector<std::string> params;
  };
  const Expect expected[] = {
      {"GET /notes", {"db_read"}, {}},
      {"POST /notes", {"db_write", "db_write"}, {"text", "attachment"}},
      {"GET /notes/{nid}", {"db_read"}, {"nid"}},
      {"PUT /notes/{nid}", {"db_write", "db_write"}, {"nid", "body"}},
      {"PATCH /notes/{nid}", {"db_write", "db_write"}, {"nid", "body"}},
      {"DELETE /notes/{nid}", {"delete", "db_write"}, {"nid"}},
  };
  for (const Expect& e : expected) {
    const std::string route = e.route;
    CAPTURE(route);
    const Candidate* found = nullptr;
    for (const Candidate& c : a.candidates) {
      if (c.kind == "route" && c.method + " " + c.path == route) found = &c;
    }
    REQUIRE(found != nullptr);
    CHECK(effect_kinds(*found) == e.effects);
    std::vector<std::string> names;
    for (const Param& p : found->params) names.push_back(p.name);
    CHECK(names == e.params);
  }
  const Candidate* post = find(a, "notes", "POST");
  REQUIRE(post != nullptr);
  CHECK(param(*post, "attachment")->in == "form");
  CHECK(param(*post, "attachment")->schema_json == R"({"type":"string","description":"Format: binary."})");
}

TEST_CASE("python: FastAPI parameters from the signature") {
  const CodeAnalysis a = run({{"main.py", R"PY(
from typing import Annotated, Optional
from fastapi import Body, Cookie, Depends, FastAPI, Header, Path, Query, Request
from pydantic import BaseModel, Field

app = FastAPI()

class Tag(BaseModel):
    label: str

class Base(BaseModel):
    name: str = Field(..., description="Display name")

class Item(Base):
    """An item."""
    price: float
    tags: list[Tag] = []
    meta: dict[str, int] = {}
    kind: Literal["a", "b"] = "a"
    note: Optional[str] = None
    size: int | None = None
    count: int = Field(default=1, ge=0)

def get_db(): ...

@app.put("/items/{item_id}")
async def update_item(
    item_id: int,
    item: Item,
    request: Request,
    q: str | None = None,
    limit: int = Query(10, le=100, description="Page size"),
    verbose: Annotated[bool, Query(alias="v")] = False,
    user_agent: str = Header(None),
    session_id: Optional[str] = Cookie(None),
    importance: int = Body(...),
    db=Depends(get_db),
):
    """Updates an item.

    Args:
        item_id: The item's id.
        q: Free text.
    """
)PY"}});
  const Candidate* c = find(a, "update_item");
  REQUIRE(c != nullptr);
  CHECK(c->framework == "fastapi");
  struct Expect {
    const char* name;
    const char* in;
    bool required;
    const char* schema;
  };
  const Expect expected[] = {
      {"item_id", "path", true, R"({"type":"integer"})"},
      {"q", "query", false, R"({"anyOf":[{"type":"string"},{"type":"null"}]})"},
      {"limit", "query", false, R"({"type":"integer","maximum":100})"},
      {"v", "query", false, R"({"type":"boolean"})"},
      {"user-agent", "header", false, R"({"type":"string"})"},
      {"session_id", "cookie", false, R"({"anyOf":[{"type":"string"},{"type":"null"}]})"},
      {"importance", "body", true, R"({"type":"integer"})"},
  };
  for (const Expect& e : expected) {
    CAPTURE(e.name);
    const Param* p = param(*c, e.name);
    REQUIRE(p != nullptr);
    CHECK(p->in == e.in);
    CHECK(p->required == e.required);
    CHECK(p->schema_json == e.schema);
  }
  CHECK(param(*c, "request") == nullptr);
  CHECK(param(*c, "db") == nullptr);
  CHECK(param(*c, "item_id")->description == "The item's id.");
  CHECK(param(*c, "limit")->description == "Page size");
  CHECK(c->doc == "Updates an item.");
  const Param* item = param(*c, "item");
  REQUIRE(item != nullptr);
  CHECK(item->in == "body");
  CHECK(item->required);
  CHECK(
      item->schema_json ==
      R"({"type":"object","description":"An item.","properties":{)"
      R"("name":{"type":"string","description":"Display name"},"price":{"type":"number"},)"
      R"("tags":{"type":"array","items":{"type":"object","properties":{"label":{"type":"string"}},"required":["label"],"additionalProperties":false}},)"
      R"("meta":{"type":"object","additionalProperties":{"type":"integer"}},)"
      R"("kind":{"type":"string","enum":["a","b"]},)"
      R"("note":{"anyOf":[{"type":"string"},{"type":"null"}]},)"
      R"("size":{"anyOf":[{"type":"integer"},{"type":"null"}]},)"
      R"("count":{"type":"integer","minimum":0}},)"
      R"("required":["name","price"],"additionalProperties":false})");
}

TEST_CASE("python: FastAPI response models, recursive models, model-typed returns") {
  const CodeAnalysis a = run1(R"PY(
from fastapi import FastAPI
from pydantic import BaseModel
app = FastAPI()

class Node(BaseModel):
    name: str
    children: list["Node"] = []

@app.get("/tree", response_model=Node)
def tree(): ...

@app.get("/nodes")
def nodes() -> list[Node]: ...

@app.get("/plain")
def plain() -> dict: ...
)PY");
  const Candidate* tree = find(a, "tree");
  REQUIRE(tree != nullptr);
  CHECK(tree->return_type_text == "Node");
  CHECK(tree->returns_schema_json.find(
            R"J("children":{"type":"array","items":{"type":"object","description":"Node (not expanded)J") !=
        std::string::npos);
  const Candidate* nodes = find(a, "nodes");
  REQUIRE(nodes != nullptr);
  CHECK(nodes->returns_schema_json.find(R"({"type":"array","items":{"type":"object")") == 0);
  const Candidate* plain = find(a, "plain");
  REQUIRE(plain != nullptr);
  CHECK(plain->returns_schema_json.empty());
  CHECK(plain->return_type_text == "dict");
}

TEST_CASE("python: type hints to JSON Schema") {
  struct Case {
    const char* hint;
    const char* schema;  // "" = any value
  };
  const Case cases[] = {
      {"int", R"({"type":"integer"})"},
      {"float", R"({"type":"number"})"},
      {"str", R"({"type":"string"})"},
      {"bool", R"({"type":"boolean"})"},
      {"bytes", R"({"type":"string","description":"Format: binary."})"},
      {"Optional[int]", R"({"anyOf":[{"type":"integer"},{"type":"null"}]})"},
      {"typing.Optional[str]", R"({"anyOf":[{"type":"string"},{"type":"null"}]})"},
      {"Union[int, str]", R"({"anyOf":[{"type":"integer"},{"type":"string"}]})"},
      {"Union[int, None, str]", R"({"anyOf":[{"type":"integer"},{"type":"string"},{"type":"null"}]})"},
      {"int | None", R"({"anyOf":[{"type":"integer"},{"type":"null"}]})"},
      {"int | str | None", R"({"anyOf":[{"type":"integer"},{"type":"string"},{"type":"null"}]})"},
      {"list[int]", R"({"type":"array","items":{"type":"integer"}})"},
      {"List[str]", R"({"type":"array","items":{"type":"string"}})"},
      {"Sequence[float]", R"({"type":"array","items":{"type":"number"}})"},
      {"set[str]", R"({"type":"array","items":{"type":"string"},"uniqueItems":true})"},
      {"tuple[int, ...]", R"({"type":"array","items":{"type":"integer"}})"},
      {"dict[str, int]", R"({"type":"object","additionalProperties":{"type":"integer"}})"},
      {"Dict", R"({"type":"object"})"},
      {"Mapping[str, Any]", R"({"type":"object"})"},
      {"Literal['a', 'b']", R"({"type":"string","enum":["a","b"]})"},
      {"Literal[1, 2]", R"({"type":"integer","enum":[1,2]})"},
      {"Literal['x', None]", R"({"anyOf":[{"type":"string","enum":["x"]},{"type":"null"}]})"},
      {"Optional[list[int]]", R"({"anyOf":[{"type":"array","items":{"type":"integer"}},{"type":"null"}]})"},
      {"datetime", R"({"type":"string","description":"Format: date-time."})"},
      {"datetime.date", R"({"type":"string","description":"Format: date."})"},
      {"UUID", R"({"type":"string","description":"Format: uuid."})"},
      {"Color", R"({"type":"string","enum":["red","green"]})"},
      {"Level", R"({"type":"integer","enum":[1,2]})"},
      {"Annotated[int, 'meta']", R"({"type":"integer"})"},
      {"UserId", R"({"type":"integer"})"},
      {"Any", ""},
      {"object", ""},
      {"T", ""},
      {"Callable[[int], str]", ""},
      {"list",
       R"({"type":"array","items":{"anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},{"type":"object"},)"
       R"({"type":"array","items":{"anyOf":[{"type":"string"},{"type":"number"},{"type":"boolean"},{"type":"object"},{"type":"null"}]}},)"
       R"({"type":"null"}]}})"},
      {"Union[int, Any]", ""},
  };
  for (const Case& c : cases) {
    CAPTURE(c.hint);
    const std::string src = std::string(R"PY(
import datetime
from datetime import datetime as datetime_t
from enum import Enum, IntEnum
from typing import Any, Annotated, Callable, Dict, List, Literal, Mapping, NewType, Optional, Sequence, TypeVar, Union
import typing
from uuid import UUID

T = TypeVar("T")
UserId = NewType("UserId", int)

class Color(str, Enum):
    RED = "red"
    GREEN = "green"

class Level(IntEnum):
    LOW = 1
    HIGH = 2

def f(x: )PY") + (std::string(c.hint) == "datetime" ? "datetime_t" : c.hint) +
                            "):\n    pass\n";
    const CodeAnalysis a = run1(src);
    const Candidate* f = find(a, "f");
    REQUIRE(f != nullptr);
    REQUIRE(f->params.size() == 1);
    CHECK(f->params[0].schema_json == c.schema);
  }
}

TEST_CASE("python: public functions and methods with parameters and docstrings") {
  const CodeAnalysis a = run({{"textlib/core.py", R"PY(
"""Text helpers."""
from typing import Optional


def wrap(text: str, width: int = 80, *, strict: bool = False, prefix=">", **options) -> list[str]:
    """Wraps text to a width.

    Args:
        text: The input text.
        width (int): Line width.
            Longer lines are split.
        strict: Raise on overlong words.

    Returns:
        The lines.
    """


def count(items, unique=True):
    """Counts items.

    Parameters
    ----------
    items : list
        What to count.
    unique : bool
        Count distinct ones.

    Notes
    -----
    Linear time.
    """


def join(parts, sep: Optional[str] = None):
    """Joins parts.

    :param parts: The pieces.
    :type parts: list
    :param str sep: The separator.
    :returns: the joined text
    """


class Formatter:
    """Formats text."""

    def __init__(self, width: int): ...

    def format(self, text: str) -> str:
        """Formats one text."""

    @classmethod
    def default(cls, name: str = "plain"): ...

    @staticmethod
    def version(major: int): ...

    @property
    def width(self): ...
)PY"}});
  CHECK(function_names(a) == std::vector<std::string>{"wrap", "count", "join", "Formatter.format", "Formatter.default",
                                                      "Formatter.version"});
  const Candidate* wrap = find(a, "wrap");
  REQUIRE(wrap != nullptr);
  CHECK(wrap->kind == "function");
  CHECK(wrap->line == 6);
  CHECK(wrap->return_type_text == "list[str]");
  CHECK(wrap->doc == "Wraps text to a width.\n\nReturns:\n    The lines.");
  REQUIRE(wrap->params.size() == 4);  // **options is not an argument a tool can pass
  CHECK(wrap->params[0].name == "text");
  CHECK(wrap->params[0].in == "argument");
  CHECK(wrap->params[0].required);
  CHECK(wrap->params[0].description == "The input text.");
  CHECK(wrap->params[1].description == "Line width. Longer lines are split.");
  CHECK_FALSE(wrap->params[1].required);
  CHECK(wrap->params[1].default_text == "80");
  CHECK(wrap->params[1].type_text == "int");
  CHECK(wrap->params[2].name == "strict");
  CHECK(wrap->params[3].schema_json == R"({"type":"string"})");  // from the default
  const Candidate* count = find(a, "count");
  REQUIRE(count != nullptr);
  CHECK(count->params[0].description == "What to count.");
  CHECK(count->params[1].description == "Count distinct ones.");
  CHECK(count->doc == "Counts items.\n\nNotes\n-----\nLinear time.");
  const Candidate* join = find(a, "join");
  REQUIRE(join != nullptr);
  CHECK(join->params[0].description == "The pieces.");
  CHECK(join->params[1].description == "The separator.");
  CHECK(join->doc == "Joins parts.\n\n:returns: the joined text");
  const Candidate* format = find(a, "Formatter.format");
  REQUIRE(format != nullptr);
  REQUIRE(format->params.size() == 1);
  CHECK(format->params[0].name == "text");
  CHECK(find(a, "Formatter.default")->params.size() == 1);
  CHECK(find(a, "Formatter.version")->params[0].name == "major");
}

TEST_CASE("python: route handlers are routes, not also functions") {
  const CodeAnalysis a = run1(R"PY(
from flask import Flask
app = Flask(__name__)

def helper(): ...

@app.route("/x")
def view(): ...
)PY");
  CHECK(function_names(a) == std::vector<std::string>{"helper"});
  CHECK(routes(a) == std::vector<std::string>{"GET /x"});
}

TEST_CASE("python: internal and deprecated units stay listed with a reason") {
  const CodeAnalysis a = run({{"lib/api.py", R"PY(
import warnings
from typing_extensions import deprecated

__all__ = ["public", "old", "warned", "Service", "documented_old", "hidden"]

def public(): ...

def _private(): ...

def not_exported(): ...

def __getattr__(name): ...

@deprecated("use public")
def old(): ...

def warned():
    warnings.warn("warned() is going away", DeprecationWarning, stacklevel=2)

def documented_old():
    """Deprecated: use public instead."""

def hidden():
    """Resets caches. For internal use only."""

class Service:
    def run(self): ...
    def _step(self): ...
    def __repr__(self): ...

class _Hidden:
    def go(self): ...
)PY"},
                              {"lib/_impl.py", "def helper(): ...\n"}});
  struct Expect {
    const char* name;
    bool deprecated;
    const char* internal;  // "" = kept
  };
  const Expect expected[] = {
      {"public", false, ""},
      {"_private", false, "_private name"},
      {"not_exported", false, "not in __all__"},
      {"old", true, ""},
      {"warned", true, ""},
      {"documented_old", true, ""},
      {"hidden", false, "docstring marks it internal"},
      {"Service.run", false, ""},
      {"Service._step", false, "_private name"},
      {"_Hidden.go", false, "_private name"},
      {"helper", false, "_private module"},
  };
  for (const Expect& e : expected) {
    CAPTURE(e.name);
    const Candidate* c = find(a, e.name);
    REQUIRE(c != nullptr);
    CHECK(c->deprecated == e.deprecated);
    CHECK(c->internal == (*e.internal != '\0'));
    CHECK(c->internal_reason == e.internal);
  }
  CHECK(find(a, "__getattr__") == nullptr);
  CHECK(find(a, "Service.__repr__") == nullptr);
}

TEST_CASE("python: deprecated and hidden routes") {
  const CodeAnalysis a = run1(R"PY(
from fastapi import FastAPI
app = FastAPI()

@app.get("/old", deprecated=True)
def old(): ...

@app.get("/internal", include_in_schema=False)
def internal(): ...

@app.get("/legacy")
def legacy():
    """Deprecated, use /new."""
)PY");
  CHECK(find(a, "old")->deprecated);
  CHECK(find(a, "legacy")->deprecated);
  CHECK(find(a, "internal")->internal_reason == "include_in_schema=False");
}

TEST_CASE("python: auth from decorators, dependencies and hooks") {
  struct Case {
    const char* name;
    std::vector<Src> files;
    std::vector<std::string> expected;  // sorted "METHOD /path[ auth]"
  };
  const Case cases[] = {
      {"Flask decorators",
       {{"app.py", R"PY(
from flask import Flask
from flask_login import login_required
from flask_jwt_extended import jwt_required
from flask_httpauth import HTTPBasicAuth
from flask_security import roles_required, permission_required
from .decorators import requires_auth, auth_required
app = Flask(__name__)
auth = HTTPBasicAuth()

@app.route("/a")
@login_required
def a(): ...

@app.route("/b")
@jwt_required()
def b(): ...

@app.route("/c")
@auth.login_required
def c(): ...

@app.route("/d")
@roles_required("admin")
def d(): ...

@app.route("/e")
@permission_required("items.edit")
def e(): ...

@app.route("/f")
@requires_auth
def f(): ...

@app.route("/g")
@auth_required("token")
def g(): ...

@app.route("/open")
def open_(): ...

@app.route("/author")
@cache_author
def author(): ...
)PY"}},
       {"GET /a auth", "GET /author", "GET /b auth", "GET /c auth", "GET /d auth", "GET /e auth", "GET /f auth",
        "GET /g auth", "GET /open"}},
      {"Flask blueprint before_request hook",
       {{"app.py", R"PY(
from flask import Flask, Blueprint, abort, session
app = Flask(__name__)
admin = Blueprint("admin", __name__, url_prefix="/admin")
public = Blueprint("public", __name__)

@admin.before_request
def check():
    if "user" not in session:
        abort(401)

@admin.route("/panel")
def panel(): ...

@public.route("/about")
def about(): ...

app.register_blueprint(admin)
app.register_blueprint(public)
)PY"}},
       {"GET /about", "GET /admin/panel auth"}},
      {"Flask hooks that only load the user guard nothing; ones that redirect to a login page do",
       {{"app.py", R"PY(
from flask import Flask, Blueprint, g, redirect, session, url_for
app = Flask(__name__)
members = Blueprint("members", __name__, url_prefix="/members")

@app.before_request
def load_logged_in_user():
    g.user = session.get("user_id")

@members.before_request
def require_member():
    if g.user is None:
        return redirect(url_for("auth.login"))

@app.route("/")
def index(): ...

@members.route("/area")
def area(): ...

app.register_blueprint(members)
)PY"}},
       {"GET /", "GET /members/area auth"}},
      {"FastAPI Depends, Security, Annotated aliases, router and include dependencies",
       {{"deps.py", R"PY(
from typing import Annotated
from fastapi import Depends, Security
from fastapi.security import OAuth2PasswordBearer, APIKeyHeader

oauth2_scheme = OAuth2PasswordBearer(tokenUrl="token")
api_key = APIKeyHeader(name="X-Key")

def get_current_user(token: str = Depends(oauth2_scheme)): ...

def load_principal(token: Annotated[str, Depends(oauth2_scheme)]): ...

def get_db(): ...

CurrentUser = Annotated[dict, Depends(get_current_user)]
)PY"},
        {"main.py", R"PY(
from fastapi import APIRouter, Depends, FastAPI, Security
from deps import CurrentUser, api_key, get_current_user, get_db, load_principal, oauth2_scheme

app = FastAPI()
secured = APIRouter(prefix="/secured", dependencies=[Depends(get_current_user)])
keyed = APIRouter(prefix="/keyed")
plain = APIRouter(prefix="/plain")

@app.get("/me")
def me(user=Depends(get_current_user)): ...

@app.get("/token")
def token(t: str = Depends(oauth2_scheme)): ...

@app.get("/scoped")
def scoped(user=Security(get_current_user, scopes=["items"])): ...

@app.get("/alias")
def alias(user: CurrentUser): ...

@app.get("/indirect")
def indirect(p=Depends(load_principal)): ...

@app.get("/decorator-deps", dependencies=[Depends(api_key)])
def decorator_deps(): ...

@app.get("/db")
def db(session=Depends(get_db)): ...

@secured.get("/x")
def secured_x(): ...

@keyed.get("/y")
def keyed_y(): ...

@plain.get("/z")
def plain_z(): ...

app.include_router(secured)
app.include_router(keyed, dependencies=[Depends(api_key)])
app.include_router(plain)
)PY"}},
       {"GET /alias auth", "GET /db", "GET /decorator-deps auth", "GET /indirect auth", "GET /keyed/y auth",
        "GET /me auth", "GET /plain/z", "GET /scoped auth", "GET /secured/x auth", "GET /token auth"}},
      {"FastAPI app-level dependencies reach every route",
       {{"main.py", R"PY(
from fastapi import Depends, FastAPI
def verify_token(): ...
app = FastAPI(dependencies=[Depends(verify_token)])
@app.get("/a")
def a(): ...
)PY"}},
       {"GET /a auth"}},
  };
  for (const Case& c : cases) {
    CAPTURE(c.name);
    const CodeAnalysis a = run(c.files);
    CHECK(sorted(routes(a, true)) == c.expected);
  }
  const CodeAnalysis a = run(cases[3].files);
  REQUIRE(find(a, "me") != nullptr);
  CHECK(find(a, "me")->auth_detail == "Depends(get_current_user)");
  REQUIRE(find(a, "keyed_y") != nullptr);
  CHECK(find(a, "keyed_y")->auth_detail == "Depends(api_key)");
}

TEST_CASE("python: effects of handler bodies and one level of helpers") {
  struct Case {
    const char* body;
    std::vector<std::string> kinds;
  };
  const Case cases[] = {
      {"db.session.add(user)\n    db.session.commit()", {"db_write", "db_write"}},
      {"session.delete(user)", {"delete"}},
      {"cursor.execute('INSERT INTO t VALUES (1)')", {"db_write"}},
      {"cursor.execute(\"\"\"\n        UPDATE t SET a = 1\"\"\")", {"db_write"}},
      {"cursor.execute('SELECT * FROM t')", {"db_read"}},
      {"cursor.execute('DELETE FROM t')", {"delete"}},
      {"sql = 'DELETE FROM t WHERE id = ?'\n    conn.execute(sql, (1,))", {"delete"}},
      {"db.execute(text('select 1'))", {"db_read"}},
      {"session.execute(select(User).where(User.id == 1)).scalar_one()", {"db_read"}},
      {"session.execute(delete(User))", {"delete"}},
      {"query = select(User)\n    session.exec(query.offset(1).limit(2)).all()", {"db_read"}},
      {"User.query.filter_by(name=name).first()", {"db_read"}},
      {"User.objects.create(name=name)", {"db_write"}},
      {"user.save()", {"db_write"}},
      {"users.insert_one(doc)\n    users.update_one(q, u)", {"db_write", "db_write"}},
      {"users.delete_one(q)", {"delete"}},
      {"db.users.find_one({'a': 1})", {"db_read"}},
      {"session.query(User).all()", {"db_read"}},
      {"open(path, 'w').write(data)", {"file_write"}},
      {"open(path, mode='a')", {"file_write"}},
      {"open(path)", {"file_read"}},
      {"Path(p).write_text(s)", {"file_write"}},
      {"Path(p).read_text()", {"file_read"}},
      {"shutil.copy(a, b)\n    shutil.move(a, b)", {"file_write", "file_write"}},
      {"os.remove(p)\n    os.unlink(p)\n    os.rmdir(d)\n    shutil.rmtree(d)",
       {"delete", "delete", "delete", "delete"}},
      {"Path(p).unlink()", {"delete"}},
      {"subprocess.run(['ls'])\n    os.system('ls')\n    os.popen('ls')", {"subprocess", "subprocess", "subprocess"}},
      {"run(['ls'])", {"subprocess"}},
      {"requests.get(url)\n    httpx.post(url)\n    urllib.request.urlopen(url)", {"network", "network", "network"}},
      {"requests.delete(url)", {"network"}},
      {"aiohttp.ClientSession()", {"network"}},
      {"cache.get('k')\n    items.append(1)\n    d.update(x)\n    s.find('x')\n    data.get('a')", {}},
      {"warm_cache()", {"file_write"}},
  };
  for (const Case& c : cases) {
    const std::string body = c.body;
    CAPTURE(body);
    const std::string src = std::string(R"PY(
import os, shutil, subprocess, requests, httpx, urllib.request, aiohttp
from subprocess import run
from pathlib import Path

def warm_cache():
    with open("cache.json", "w") as f:
        f.write("{}")

def target(path, p, d, a, b, url, user, users, doc, q, u, data, name, s, x, items, cache):
    )PY") + c.body + "\n";
    const CodeAnalysis a = run1(src);
    const Candidate* t = find(a, "target");
    REQUIRE(t != nullptr);
    CHECK(effect_kinds(*t) == c.kinds);
  }
  const CodeAnalysis a = run1(R"PY(
import os
def helper(p):
    os.remove(p)
def target(p):
    helper(p)
)PY");
  const Candidate* t = find(a, "target");
  REQUIRE(t != nullptr);
  REQUIRE(t->effects.size() == 1);
  CHECK(t->effects[0].detail == "os.remove(p) (in helper)");
  CHECK(t->effects[0].line == 4);
}

TEST_CASE("python: docstring sections") {
  const auto d = smeltsec::analyze::code::py::parse_docstring(
      "Summary line.\n\nArgs:\n    a (int, optional): First.\n    *args: Rest.\n\nRaises:\n    ValueError: bad.");
  CHECK(d.text == "Summary line.\n\nRaises:\n    ValueError: bad.");
  REQUIRE(d.params.size() == 2);
  CHECK(d.params[0] == std::pair<std::string, std::string>{"a", "First."});
  CHECK(d.params[1] == std::pair<std::string, std::string>{"args", "Rest."});
  CHECK_FALSE(d.deprecated);
  CHECK(smeltsec::analyze::code::py::parse_docstring("Do it.\n\n.. deprecated:: 2.0\n   Use other.").deprecated);
  CHECK(smeltsec::analyze::code::py::parse_docstring("Do it.\n\n:meta private:").internal);
}

TEST_CASE("python: syntax errors keep what parses; output is in file and line order") {
  const CodeAnalysis a = run({{"b.py", R"PY(
from flask import Flask
app = Flask(__name__)

@app.route("/ok")
def ok(): ...

def broken(:
    pass

@app.route("/after")
def after(): ...
)PY"},
                              {"a.py", "def first(): ...\n\ndef second(): ...\n"}});
  CHECK(a.files_parsed == 2);
  CHECK(a.bytes_parsed > 0);
  REQUIRE(a.notes.size() == 1);
  CHECK(a.notes[0] == "b.py: syntax errors; analysed the parts that parse");
  CHECK(routes(a) == std::vector<std::string>{"GET /ok", "GET /after"});
  REQUIRE(a.candidates.size() >= 4);
  CHECK(a.candidates[0].file == "a.py");
  CHECK(a.candidates[0].name == "first");
  CHECK(a.candidates[1].name == "second");
  CHECK(find(a, "ok")->line == 5);
}

TEST_CASE("python: definitions after a statement that swallows the rest of the file are recovered") {
  const CodeAnalysis a = run1(R"PY(
from flask import Flask
app = Flask(__name__)

@app.route("/orders", methods=["POST"]
def create_order(:
    return jsonify(


@app.get("/orders/<int:order_id>")
def get_order(order_id):
    return order_id

class Broken(
    def method(self): ...

def tail(x: int) -> int:
    return x
)PY");
  CHECK(routes(a) == std::vector<std::string>{"GET /orders/{order_id}"});
  CHECK(find(a, "get_order")->line == 10);
  CHECK(find(a, "create_order") == nullptr);
  REQUIRE(find(a, "tail") != nullptr);
  CHECK(find(a, "tail")->line == 17);
}

TEST_CASE("python: a file over the parse budget is skipped") {
  const std::string big = smeltsec::test::repeat("x = [1, 2, 3, (4, 5), {'a': [6]}]\n", 200000);
  smeltsec::analyze::code::py::Module m;
  CHECK_FALSE(smeltsec::analyze::code::py::extract_module(SourceFile{"big.py", big, "python"}, m, 0.001));
}

TEST_CASE("python: hostile nesting and sizes stay bounded") {
  const smeltsec::test::Stopwatch clock;
  std::vector<Src> files;
  files.push_back({"parens.py", "x = " + std::string(20000, '(') + "1" + std::string(20000, ')') + "\n"});
  files.push_back({"lists.py", "x = " + std::string(20000, '[') + std::string(20000, ']') + "\n"});
  std::string ifs;
  for (int i = 0; i < 500; ++i) ifs += std::string(static_cast<std::size_t>(i), ' ') + "if x:\n";
  ifs += std::string(500, ' ') + "pass\n";
  files.push_back({"ifs.py", ifs});
  files.push_back({"chain.py", "y = a" + smeltsec::test::repeat(".b", 20000) + "\n"});
  files.push_back({"calls.py", "def f():\n    z = " + smeltsec::test::repeat("g(", 5000) +
                                   smeltsec::test::repeat(")", 5000) + "\n"});
  files.push_back({"wide.py", "from flask import Flask\napp = Flask(__name__)\nM = [" +
                                  smeltsec::test::repeat("'GET', ", 50000) +
                                  "]\n@app.route('/w', methods=M)\ndef w(): ...\n"});
  files.push_back({"concat.py", "P = '/a'" + smeltsec::test::repeat(" + '/a'", 5000) + "\n"});
  files.push_back({"alias.py", "A = list[B]\nB = list[A]\ndef f(x: A): ...\n"});
  const CodeAnalysis a = run(files);
  CHECK(a.files_parsed == files.size());
  CHECK(routes(a) == std::vector<std::string>{"GET /w"});
  CHECK(clock.seconds() < smeltsec::test::kHangGuardSeconds);
}
