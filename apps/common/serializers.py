"""Shared pieces of the API's output serializers."""

from __future__ import annotations

from rest_framework import serializers


class OutputModelSerializer(serializers.ModelSerializer):
    # A model row as the API returns it (HackSoft's OutputSerializer). Every field is read-only, so the schema
    # marks each one as always present; a field that may be blank stays so (DRF drops ``allow_blank`` from
    # read-only fields, and drf-spectacular would then document an enum or a format, such as ``uri``, that the
    # real value "" does not match). No docstring on purpose: the schema would show it on every subclass.

    def get_extra_kwargs(self):
        extra = super().get_extra_kwargs()
        for name in self.Meta.fields:
            extra.setdefault(name, {})["read_only"] = True
        return extra

    def include_extra_kwargs(self, kwargs, extra_kwargs):
        allow_blank = bool(kwargs.get("allow_blank"))
        kwargs = super().include_extra_kwargs(kwargs, extra_kwargs)
        if allow_blank:
            kwargs["allow_blank"] = True
        return kwargs


class ErrorDetailSerializer(serializers.Serializer):
    code = serializers.CharField()
    message = serializers.CharField()
    details = serializers.JSONField(required=False)


class ErrorResponseSerializer(serializers.Serializer):
    """The one error shape of the API and of the pages' JSON endpoints."""

    error = ErrorDetailSerializer()
