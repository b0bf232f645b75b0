"""Forms as a page renders them, and what a browser sends for one: its own fields only (its own
hidden inputs and CSRF token, its ticked boxes, its selected options, the button pressed).

A test that posts a form should build the request from here, never with a token or field taken
from another form of the page (or of another page): such a test passes while the button fails.
"""

from dataclasses import dataclass, field
from html.parser import HTMLParser
from urllib.parse import urljoin

from werkzeug.datastructures import MultiDict


@dataclass
class Control:
    """One named control of a form: an input, a select, a textarea or a button."""

    tag: str
    name: str
    type: str  # the input's type; "select", "textarea"; a button's type ("submit" by default)
    value: str = ""
    checked: bool = False
    required: bool = False
    disabled: bool = False
    multiple: bool = False
    options: list[tuple[str, bool]] = field(default_factory=list)  # (value, selected)
    attrs: dict = field(default_factory=dict)


@dataclass
class RenderedForm:
    attrs: dict
    page_url: str
    controls: list[Control] = field(default_factory=list)

    @property
    def method(self) -> str:
        return (self.attrs.get("method") or "get").upper()

    @property
    def action(self) -> str:
        """The URL the form is sent to (the page itself when it has no action)."""
        return urljoin(self.page_url, self.attrs.get("action") or self.page_url)

    @property
    def multipart(self) -> bool:
        return self.attrs.get("enctype") == "multipart/form-data"

    @property
    def buttons(self) -> list[Control]:
        return [
            c
            for c in self.controls
            if (c.tag == "button" and c.type == "submit")
            or (c.tag == "input" and c.type in ("submit", "image"))
        ]

    def field_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.controls if c.name)

    def data(self, button: Control | None = None, **typed) -> MultiDict:
        """The name/value pairs a browser sends for this form, `button` pressed (the first
        submit button by default), with `typed` values typed or chosen by the person (a list for
        several boxes or options; None leaves a field out, as an unticked box)."""
        if button is None and self.buttons:
            button = self.buttons[0]
        buttons = self.buttons
        pairs: list[tuple[str, str]] = []
        for control in self.controls:
            if not control.name or control.disabled:
                continue
            if control.name in typed:
                continue
            if any(control is b for b in buttons):
                if control is button:
                    pairs.append((control.name, control.value))
            elif control.type in ("checkbox", "radio"):
                if control.checked:
                    pairs.append((control.name, control.value or "on"))
            elif control.type == "select":
                chosen = [value for value, selected in control.options if selected]
                if not chosen and not control.multiple and control.options:
                    chosen = [control.options[0][0]]  # a browser sends the first option
                pairs.extend((control.name, value) for value in chosen)
            elif control.type == "file":
                continue
            else:
                pairs.append((control.name, control.value))
        for name, value in typed.items():
            if value is None:
                continue
            for item in value if isinstance(value, list | tuple) else [value]:
                pairs.append((name, item))
        return MultiDict(pairs)

    def control(self, name: str) -> Control:
        (found,) = [c for c in self.controls if c.name == name][:1]
        return found


class _Parser(HTMLParser):
    def __init__(self, page_url: str):
        super().__init__(convert_charrefs=True)
        self.page_url = page_url
        self.forms: list[RenderedForm] = []
        self._form: RenderedForm | None = None
        self._select: Control | None = None
        self._option: dict | None = None
        self._text: Control | None = None  # a textarea or a button whose text is read

    def handle_starttag(self, tag, attrs):
        attributes = {name: (value if value is not None else "") for name, value in attrs}
        if tag == "form":
            self._form = RenderedForm(attrs=attributes, page_url=self.page_url)
            self.forms.append(self._form)
            return
        if self._form is None:
            return
        if tag in ("input", "select", "textarea", "button"):
            if tag == "input":
                kind = attributes.get("type", "text").lower()
            elif tag == "button":
                kind = attributes.get("type", "submit").lower()
            else:
                kind = tag
            control = Control(
                tag=tag,
                name=attributes.get("name", ""),
                type=kind,
                value=attributes.get("value", "on" if kind in ("checkbox", "radio") else ""),
                checked="checked" in attributes,
                required="required" in attributes,
                disabled="disabled" in attributes,
                multiple="multiple" in attributes,
                attrs=attributes,
            )
            self._form.controls.append(control)
            if tag == "select":
                self._select = control
            elif tag == "textarea":
                self._text = control
        elif tag == "option" and self._select is not None:
            self._option = {"value": attributes.get("value"), "selected": "selected" in attributes}
            self._option["text"] = ""
            if self._option["value"] is not None:
                self._select.options.append((self._option["value"], self._option["selected"]))

    def handle_data(self, data):
        if self._text is not None:
            self._text.value += data
        elif self._option is not None and self._option["value"] is None:
            self._option["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "select":
            self._select = None
        elif tag == "textarea":
            self._text = None
        elif tag == "option" and self._option is not None:
            if self._option["value"] is None and self._select is not None:
                text = self._option["text"].strip()
                self._select.options.append((text, self._option["selected"]))
            self._option = None


def forms_in(html: str, page_url: str = "/") -> list[RenderedForm]:
    """Every form of a page, in page order."""
    parser = _Parser(page_url)
    parser.feed(html)
    parser.close()
    return parser.forms


def form_posting_to(html: str, action: str, page_url: str = "/") -> RenderedForm:
    """The one POST form of the page whose action is `action` (a path, or its ending)."""
    found = [
        form
        for form in forms_in(html, page_url)
        if form.method == "POST" and form.action.split("?")[0].endswith(action)
    ]
    assert len(found) == 1, f"{len(found)} forms posting to {action} in the page"
    return found[0]
