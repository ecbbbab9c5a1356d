"""QTI 1.2 for Canvas (Classic Quizzes): a zip with imsmanifest.xml and one assessment
per domain (or one per built form), in the shape Canvas and text2qti use.

Each item is a `multiple_choice_question` worth 1 point: the key scores 100, every option
shows its rationale note as feedback, and the overall rationale is general feedback.
XML is built with the standard library's ElementTree, so text is always escaped.
"""

from __future__ import annotations

import hashlib
import io
import xml.etree.ElementTree as ET
import zipfile

from peerprep.models import Question

QTI_NS = "http://www.imsglobal.org/xsd/ims_qtiasiv1p2"
CP_NS = "http://www.imsglobal.org/xsd/imsccv1p1/imscp_v1p1"


def ident(*parts: str) -> str:
    """Canvas wants stable XML ids that start with a letter."""
    return "g" + hashlib.sha256("\0".join(parts).encode()).hexdigest()[:24]


def _sub(parent: ET.Element, tag: str, text: str | None = None, **attrs: str) -> ET.Element:
    el = ET.SubElement(parent, tag, attrs)
    if text is not None:
        el.text = text
    return el


def _mattext(parent: ET.Element, text: str) -> None:
    _sub(_sub(parent, "material"), "mattext", " ".join(text.split()), texttype="text/plain")


def _item(section: ET.Element, q: Question) -> None:
    item = _sub(section, "item", ident=ident("item", q.id), title=q.id)
    meta = _sub(_sub(item, "itemmetadata"), "qtimetadata")
    for label, entry in (
        ("question_type", "multiple_choice_question"),
        ("points_possible", "1.0"),
        ("original_answer_ids", ",".join(ident(q.id, k) for k in q.options)),
        ("assessment_question_identifierref", ident("bank", q.id)),
    ):
        field = _sub(meta, "qtimetadatafield")
        _sub(field, "fieldlabel", label)
        _sub(field, "fieldentry", entry)
    pres = _sub(item, "presentation")
    _mattext(pres, q.stem)
    lid = _sub(pres, "response_lid", ident="response1", rcardinality="Single")
    choice = _sub(lid, "render_choice")
    for k, option in q.options.items():
        response = _sub(choice, "response_label", ident=ident(q.id, k))
        _mattext(response, option)
    proc = _sub(item, "resprocessing")
    _sub(
        _sub(proc, "outcomes"),
        "decvar",
        maxvalue="100",
        minvalue="0",
        varname="SCORE",
        vartype="Decimal",
    )
    cond = _sub(proc, "respcondition", **{"continue": "Yes"})
    _sub(_sub(cond, "conditionvar"), "other")
    _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid="general_fb")
    for k in q.options:
        cond = _sub(proc, "respcondition", **{"continue": "Yes"})
        _sub(_sub(cond, "conditionvar"), "varequal", ident(q.id, k), respident="response1")
        _sub(cond, "displayfeedback", feedbacktype="Response", linkrefid=f"{ident(q.id, k)}_fb")
    cond = _sub(proc, "respcondition", **{"continue": "No"})
    _sub(_sub(cond, "conditionvar"), "varequal", ident(q.id, q.answer), respident="response1")
    _sub(cond, "setvar", "100", action="Set", varname="SCORE")
    fb = _sub(item, "itemfeedback", ident="general_fb")
    _mattext(_sub(fb, "flow_mat"), q.rationale.answer)
    for k in q.options:
        note = q.rationale.answer if k == q.answer else q.rationale.distractors.get(k, "")
        fb = _sub(item, "itemfeedback", ident=f"{ident(q.id, k)}_fb")
        _mattext(_sub(fb, "flow_mat"), note or "")


def assessment_xml(title: str, items: list[Question]) -> bytes:
    root = ET.Element("questestinterop", xmlns=QTI_NS)
    asm = _sub(root, "assessment", ident=ident("assessment", title), title=title)
    meta = _sub(_sub(asm, "qtimetadata"), "qtimetadatafield")
    _sub(meta, "fieldlabel", "cc_maxattempts")
    _sub(meta, "fieldentry", "1")
    section = _sub(asm, "section", ident="root_section")
    for q in items:
        _item(section, q)
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def manifest_xml(assessments: list[tuple[str, str]]) -> bytes:
    """assessments: (identifier, title) pairs; each lives in `<identifier>/<identifier>.xml`."""
    root = ET.Element(
        "manifest", identifier=ident("manifest", *[a for a, _ in assessments]), xmlns=CP_NS
    )
    _sub(_sub(root, "metadata"), "schema", "IMS Content")
    _sub(root, "organizations")
    res = _sub(root, "resources")
    for aid, _title in assessments:
        r = _sub(res, "resource", identifier=aid, type="imsqti_xmlv1p2")
        _sub(r, "file", href=f"{aid}/{aid}.xml")
    xml: bytes = ET.tostring(root, encoding="utf-8", xml_declaration=True)
    return xml


def to_qti_zip(groups: list[tuple[str, list[Question]]]) -> bytes:
    """One assessment per (title, items) group, zipped the way Canvas imports it."""
    buf = io.BytesIO()
    listed = []
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        for title, items in groups:
            aid = ident("assessment", title)
            z.writestr(f"{aid}/{aid}.xml", assessment_xml(title, items))
            listed.append((aid, title))
        z.writestr("imsmanifest.xml", manifest_xml(listed))
    return buf.getvalue()
