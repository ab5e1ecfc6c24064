"""SVG logos: parsed as XML and checked, namespace-aware, against an allow-list.

The logo is published as it is. Shown through ``<img>`` an SVG runs nothing, but opened
directly (a link, "open image in new tab") it is a document of the site's origin, and
on a host that sends no Content-Security-Policy header its scripts run. Matching text
(``<script``) misses ``<s:script xmlns:s="http://www.w3.org/2000/svg">``, so the file
is parsed with namespaces resolved and every element and attribute must be one a
drawing needs: shapes, text, gradients, filters, clipping. No script, no foreign
content, no animation (``<set>`` can rewrite an ``href``), no links out, no DOCTYPE
(entities) and no processing instructions (``xml-stylesheet`` can run XSLT).
"""

from __future__ import annotations

import re
from xml.parsers import expat

SVG = "http://www.w3.org/2000/svg"
XLINK = "http://www.w3.org/1999/xlink"
XML = "http://www.w3.org/XML/1998/namespace"
#: Editors' own markup (Inkscape, Sodipodi, RDF metadata): browsers neither render nor
#: run it, and rejecting it would reject most logos as saved.
INERT_NAMESPACES = {
    "http://www.inkscape.org/namespaces/inkscape",
    "http://sodipodi.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://inkscape.sourceforge.net/DTD/sodipodi-0.dtd",
    "http://www.w3.org/1999/02/22-rdf-syntax-ns#",
    "http://creativecommons.org/ns#",
    "http://web.resource.org/cc/",
    "http://purl.org/dc/elements/1.1/",
    "http://purl.org/dc/terms/",
    "http://ns.adobe.com/AdobeIllustrator/10.0/",
    "http://ns.adobe.com/Graphs/1.0/",
    "http://ns.adobe.com/SaveForWeb/1.0/",
    "http://ns.adobe.com/Extensibility/1.0/",
}


def _names(text: str) -> frozenset[str]:
    """The names in a text block (one long list is easier to read as words)."""
    return frozenset(text.split())


ELEMENTS = _names("""
svg g defs symbol use title desc metadata switch
path rect circle ellipse line polyline polygon
text tspan textPath
linearGradient radialGradient stop pattern clipPath mask marker
filter feBlend feColorMatrix feComponentTransfer feComposite feConvolveMatrix
feDiffuseLighting feDisplacementMap feDistantLight feDropShadow feFlood feFuncA feFuncB
feFuncG feFuncR feGaussianBlur feMerge feMergeNode feMorphology feOffset fePointLight
feSpecularLighting feSpotLight feTile feTurbulence
style
""")

ATTRIBUTES = _names("""
id class style lang tabindex transform viewBox preserveAspectRatio version baseProfile
x y x1 y1 x2 y2 cx cy r rx ry fx fy fr width height d points pathLength
dx dy rotate textLength lengthAdjust startOffset method spacing side
gradientUnits gradientTransform spreadMethod offset href
patternUnits patternContentUnits patternTransform
clipPathUnits maskUnits maskContentUnits
markerUnits markerWidth markerHeight refX refY orient
filterUnits primitiveUnits in in2 result mode type values tableValues slope intercept
amplitude exponent operator k1 k2 k3 k4 order kernelMatrix divisor bias targetX targetY
edgeMode kernelUnitLength preserveAlpha surfaceScale diffuseConstant specularConstant
specularExponent scale xChannelSelector yChannelSelector stdDeviation radius azimuth
elevation z pointsAtX pointsAtY pointsAtZ limitingConeAngle baseFrequency numOctaves
seed stitchTiles requiredFeatures requiredExtensions systemLanguage enable-background
alignment-baseline baseline-shift clip clip-path clip-rule color color-interpolation
color-interpolation-filters color-profile color-rendering cursor direction display
dominant-baseline fill fill-opacity fill-rule filter flood-color flood-opacity font
font-family font-size font-size-adjust font-stretch font-style font-variant font-weight
glyph-orientation-horizontal glyph-orientation-vertical image-rendering kerning
letter-spacing lighting-color marker-end marker-mid marker-start mask opacity overflow
paint-order shape-rendering stop-color stop-opacity stroke stroke-dasharray
stroke-dashoffset stroke-linecap stroke-linejoin stroke-miterlimit stroke-opacity
stroke-width text-anchor text-decoration text-rendering unicode-bidi vector-effect
visibility word-spacing writing-mode mix-blend-mode isolation
""")

#: What may stand in a value: references to this document only (``url(#id)``, ``#id``).
_URL_REFERENCE = re.compile(r"url\s*\(\s*(?!['\"]?#)", re.IGNORECASE)
_ACTIVE_TEXT = re.compile(
    r"javascript:|vbscript:|data:|@import|expression\s*\(|behavior\s*:", re.IGNORECASE
)


class SvgProblem(ValueError):
    """Why an SVG is refused, with the line in the SVG file."""

    def __init__(self, line: int, message: str):
        super().__init__(f"line {line}: {message}")
        self.line = line


def check_svg(data: bytes) -> None:
    """Raise SvgProblem unless ``data`` is an SVG made only of allowed markup."""
    parser = expat.ParserCreate(namespace_separator=" ")
    parser.SetParamEntityParsing(expat.XML_PARAM_ENTITY_PARSING_NEVER)
    depth = [0]
    styles: list[int] = []  # the <style> elements open now (their text is CSS)

    def where() -> int:
        return parser.CurrentLineNumber

    def refuse(message: str) -> None:
        raise SvgProblem(where(), message)

    def start(name: str, attributes: dict[str, str]) -> None:
        namespace, _, local = name.rpartition(" ")
        if depth[0] == 0 and (namespace, local) != (SVG, "svg"):
            refuse(f"the document is <{local}>, not an SVG <svg> in the SVG namespace")
        depth[0] += 1
        if namespace in INERT_NAMESPACES:
            return  # editor metadata: its attributes are checked by nothing that runs
        if namespace != SVG or local not in ELEMENTS:
            shown = local if namespace == SVG else f"{local} (namespace {namespace or 'none'})"
            refuse(f"element <{shown}> is not allowed in a logo")
        if local == "style":
            styles.append(depth[0])
        for attribute, value in attributes.items():
            check_attribute(local, attribute, value)

    def check_attribute(element: str, attribute: str, value: str) -> None:
        namespace, _, local = attribute.rpartition(" ")
        if namespace in INERT_NAMESPACES or (namespace == XML and local in ("space", "lang")):
            return
        allowed = (namespace == "" and local in ATTRIBUTES) or (namespace, local) == (XLINK, "href")
        if not allowed:
            refuse(f"attribute {local!r} on <{element}> is not allowed in a logo")
        if local == "href" and not value.strip().startswith("#"):
            refuse(
                f"<{element}> links to {value[:80]!r}; a logo may only refer to its own parts (#id)"
            )
        check_text(value, f"attribute {local!r} on <{element}>")

    def check_text(text: str, what: str) -> None:
        if _URL_REFERENCE.search(text) or _ACTIVE_TEXT.search(text):
            refuse(f"{what} loads something or runs script ({text.strip()[:80]!r})")

    def end(name: str) -> None:
        if styles and styles[-1] == depth[0]:
            styles.pop()
        depth[0] -= 1

    def text(data: str) -> None:
        if styles:
            check_text(data, "the <style> element")

    def doctype(*_args: object) -> None:
        refuse("a DOCTYPE is not allowed in a logo (it can declare entities)")

    def instruction(target: str, _data: str) -> None:
        refuse(f"the processing instruction <?{target} ...?> is not allowed in a logo")

    parser.StartElementHandler = start
    parser.EndElementHandler = end
    parser.CharacterDataHandler = text
    parser.StartDoctypeDeclHandler = doctype
    parser.EntityDeclHandler = doctype
    parser.ProcessingInstructionHandler = instruction
    try:
        parser.Parse(data, True)
    except expat.ExpatError as exc:
        raise SvgProblem(
            exc.lineno, f"not well-formed XML ({expat.errors.messages[exc.code]})"
        ) from None
