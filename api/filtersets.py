"""Query parameters are given once, with a value, or not at all.

django-filter skips a filter whose value is empty (`?remittanceStatus=` lists everything) and reads
the last of repeated values (`?status=PAID&status=FAILED` is a PAID list): both answer a question
the client did not ask. Here both are a 400 naming the parameter.
"""

from django_filters import rest_framework as filters
from rest_framework.exceptions import ValidationError

REPEATED = "Give this parameter once."
EMPTY = "Give this parameter a value, or leave it out."


def query_value(query_params, name: str, *, allow_empty: bool = False) -> str | None:
    """The one value of a query parameter, or None when absent; repeated (or empty) is a 400."""
    values = query_params.getlist(name)
    if not values:
        return None
    if len(values) > 1:
        raise ValidationError({name: [REPEATED]})
    if values[0] == "" and not allow_empty:
        raise ValidationError({name: [EMPTY]})
    return values[0]


class StrictFilterSet(filters.FilterSet):
    """A FilterSet whose every filter refuses an empty or a repeated value (400).

    Its form class is built once per FilterSet class, not once per request as django-filter does
    (a new class through the form metaclass for every list page): the filters here build their form
    fields from their declaration alone, never from the request or a queryset, and every form
    instance deep-copies the class's fields, so one class serves every request.
    """

    _form_classes: dict[type, type] = {}

    def get_form_class(self):
        form_class = self._form_classes.get(type(self))
        if form_class is None:
            form_class = self._form_classes.setdefault(type(self), super().get_form_class())
        return form_class

    def is_valid(self) -> bool:
        valid = super().is_valid()
        getlist = getattr(self.data, "getlist", None)
        if getlist is None:
            return valid
        for name in self.filters:
            values = getlist(name)
            if len(values) > 1:
                self.form.add_error(name, REPEATED)
            elif values == [""]:
                self.form.add_error(name, EMPTY)
        return valid and not self.form.errors
