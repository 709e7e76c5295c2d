"""Fake pydantic (tests only): the small part of pydantic 2 that the fake FastMCP, the fake mcp.types and the
generated server glue use, so the Python tests need nothing beyond the standard library.

BaseModel fields come from class annotations; a dict given for a field whose type is (an Optional of) a model is
validated into that model; `model_config` honours extra ("allow" | "forbid" | "ignore") and populate_by_name;
Field(default, default_factory, alias); PrivateAttr; model_validate; model_dump(by_alias, exclude_none).
"""

import typing

_MISSING = object()


class ValidationError(ValueError):
    pass


class _FieldInfo:
    def __init__(self, default=_MISSING, default_factory=None, alias=None):
        self.default, self.default_factory, self.alias = default, default_factory, alias


def Field(default=_MISSING, *, default_factory=None, alias=None):  # noqa: N802 (pydantic's name)
    return _FieldInfo(default, default_factory, alias)


class _PrivateAttr:
    def __init__(self, default=None):
        self.default = default


def PrivateAttr(default=None):  # noqa: N802
    return _PrivateAttr(default)


def ConfigDict(**kwargs):  # noqa: N802
    return dict(kwargs)


def _model_type(tp):
    """The BaseModel subclass inside `tp` (X, X | None, Optional[X]), or None."""
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return tp
    for arg in typing.get_args(tp):
        if isinstance(arg, type) and issubclass(arg, BaseModel):
            return arg
    return None


class BaseModel:
    model_config = {}

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        fields, private = {}, {}
        for klass in reversed(cls.__mro__):
            for name in getattr(klass, "__annotations__", {}):
                value = klass.__dict__.get(name, _MISSING)
                if name.startswith("_"):
                    private[name] = value.default if isinstance(value, _PrivateAttr) else None
                    continue
                info = value if isinstance(value, _FieldInfo) else _FieldInfo(default=value)
                fields[name] = info
        cls.__fields_info__, cls.__private_defaults__ = fields, private

    def __init__(self, **data):
        hints = typing.get_type_hints(type(self))
        config = type(self).model_config
        extra = config.get("extra", "ignore")
        by_name = config.get("populate_by_name", False)
        for name, info in type(self).__fields_info__.items():
            if info.alias is not None and info.alias in data:
                value = data.pop(info.alias)
            elif (info.alias is None or by_name) and name in data:
                value = data.pop(name)
            elif info.default_factory is not None:
                value = info.default_factory()
            elif info.default is not _MISSING:
                value = info.default
            else:
                raise ValidationError("%s: field %r is required" % (type(self).__name__, name))
            model = _model_type(hints.get(name))
            if model is not None and isinstance(value, dict):
                value = model.model_validate(value)
            object.__setattr__(self, name, value)
        if data and extra == "forbid":
            raise ValidationError("%s: extra fields not permitted: %s" % (type(self).__name__, sorted(data)))
        object.__setattr__(self, "__pydantic_extra__", dict(data) if extra == "allow" else {})
        for name, value in type(self).__private_defaults__.items():
            object.__setattr__(self, name, value)

    @classmethod
    def model_validate(cls, obj):
        if isinstance(obj, cls):
            return obj
        if not isinstance(obj, dict):
            raise ValidationError("%s: expected a dict" % cls.__name__)
        return cls(**obj)

    def model_dump(self, *, by_alias=False, mode=None, exclude_none=False):
        out = {}
        for name, info in type(self).__fields_info__.items():
            value = getattr(self, name)
            if isinstance(value, BaseModel):
                value = value.model_dump(by_alias=by_alias, mode=mode, exclude_none=exclude_none)
            elif isinstance(value, set) and mode == "json":
                value = sorted(value)
            if exclude_none and value is None:
                continue
            out[info.alias if by_alias and info.alias else name] = value
        for key, value in self.__pydantic_extra__.items():
            if not (exclude_none and value is None):
                out[key] = value
        return out
