#!/usr/bin/env python3
"""Seeds the demo server with requests in several states and writes the
schemathesis configuration that lets the fuzzer use their real ids.

Without real ids every `/requests/{id}…` and `/escalations/{id}…` call is a
404 and the logic behind it is never reached. This files requests as the demo
reporter, has the demo spokesperson acknowledge, answer and refuse them, opens
an escalation by a complaint, attaches a file, and binds those ids (and the
names of the actions) to the parameters and body fields that take them.

Usage: contract_fuzz_seed.py BASE CONFIG_OUT reporter=TOKEN spokesperson=TOKEN staff=TOKEN admin=TOKEN
"""

import json
import sys
import urllib.error
import urllib.request

BASE, OUT = sys.argv[1], sys.argv[2]
TOKENS = dict(arg.split("=", 1) for arg in sys.argv[3:])


def call(method, path, token, body=None, content_type="application/json"):
    data = None
    headers = {"Authorization": f"Bearer {TOKENS[token]}"}
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = content_type
    req = urllib.request.Request(BASE + path, data=data, method=method, headers=headers)
    try:
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")
    except urllib.error.HTTPError as e:
        sys.exit(f"seeding failed: {method} {path} answered {e.code}: {e.read().decode(errors='replace')}")


agencies = call("GET", "/api/v1/agencies?per_page=100", "admin")["items"]
syt = next(a["id"] for a in agencies if a["code"] == "SYT")
policy = call("GET", "/api/v1/policy", "admin")
ground = next(g["code"] for g in policy["refusal_grounds"] if "information" in g["kinds"])

subjects = [
    "Số ca sốt xuất huyết theo huyện năm 2026",
    "Danh sách cơ sở y tế tư nhân được cấp phép",
    "Kế hoạch tiêm chủng mở rộng năm 2026",
    "Tiến độ xây dựng Bệnh viện Đa khoa tỉnh",
    "Kinh phí mua sắm trang thiết bị y tế",
]
requests = []
for subject in subjects:
    filed = call("POST", "/api/v1/requests", "reporter", {
        "agency_id": syt, "kind": "information", "subject": subject,
        "body": f"Đề nghị Sở Y tế cung cấp thông tin: {subject.lower()}.",
    })
    requests.append(filed["id"])
acknowledged, refused, answered, clarifying, _open = requests
call("POST", f"/api/v1/requests/{acknowledged}/actions", "spokesperson", {"action": "acknowledge"})
call("POST", f"/api/v1/requests/{refused}/actions", "spokesperson",
     {"action": "refuse", "ground": ground, "reasons": "Thông tin thuộc bí mật nhà nước theo quy định."})
call("POST", f"/api/v1/requests/{answered}/actions", "spokesperson",
     {"action": "reply", "body": "Sở Y tế xin cung cấp kế hoạch theo tệp đính kèm.", "outcome": "granted"})
call("POST", f"/api/v1/requests/{clarifying}/actions", "spokesperson",
     {"action": "request_clarification", "question": "Đề nghị nêu rõ giai đoạn cần số liệu."})
call("POST", f"/api/v1/requests/{refused}/actions", "reporter",
     {"action": "complain", "reason": "Lý do từ chối không đúng quy định."})
escalations = [e["id"] for e in call("GET", "/api/v1/escalations?per_page=100", "staff")["items"]]

boundary = "tiepcanfuzzboundary"
upload = (
    f"--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"ghi-chu.txt\"\r\n"
    f"Content-Type: text/plain\r\n\r\nGhi chú của phóng viên.\r\n--{boundary}--\r\n"
).encode()
attachment = call("POST", f"/api/v1/requests/{acknowledged}/attachments", "reporter", upload,
                  f"multipart/form-data; boundary={boundary}")["id"]
users = [call("GET", "/api/v1/me", role)["id"] for role in ("staff", "spokesperson", "reporter", "admin")]

actions = ["acknowledge", "mark_complex", "request_clarification", "clarify", "extend", "reply", "refuse",
           "transfer", "withdraw", "complain", "comment"]
escalation_actions = ["assign", "note", "order_response", "resolve", "dismiss"]


def toml_list(values):
    return "[" + ", ".join(json.dumps(v, ensure_ascii=False) for v in values) + "]"


def binding(dictionary, probability=0.8):
    return f'{{ dictionary = "{dictionary}", probability = {probability} }}'


config = f"""# Written by scripts/contract_fuzz_seed.py for one fuzzing run.
[dictionaries.agencies]
values = {toml_list([syt] + [a["id"] for a in agencies if a["id"] != syt])}
[dictionaries.requests]
values = {toml_list(requests)}
[dictionaries.escalations]
values = {toml_list(escalations)}
[dictionaries.attachments]
values = {toml_list([attachment])}
[dictionaries.users]
values = {toml_list(users)}
[dictionaries.actions]
values = {toml_list(actions)}
[dictionaries.escalation_actions]
values = {toml_list(escalation_actions)}
[dictionaries.kinds]
values = ["event", "information", "press_reply", "complaint"]
[dictionaries.outcomes]
values = ["granted", "partial", "not_held"]
[dictionaries.grounds]
values = {toml_list([g["code"] for g in policy["refusal_grounds"]])}

[parameters]
"body.agency_id" = {binding("agencies")}
"query.agency_id" = {binding("agencies")}
"body.kind" = {binding("kinds")}
"query.kind" = {binding("kinds")}

[[operations]]
include-operation-id = ["requests_get", "requests_attach"]
parameters = {{ "path.id" = {binding("requests")} }}

[[operations]]
include-operation-id = "requests_action"
parameters = {{ "path.id" = {binding("requests")}, "body.action" = {binding("actions")}, "body.agency_id" = {binding("agencies")}, "body.ground" = {binding("grounds", 0.5)}, "body.outcome" = {binding("outcomes")} }}

[[operations]]
include-operation-id = "requests_download"
parameters = {{ "path.id" = {binding("requests")}, "path.aid" = {binding("attachments")} }}

[[operations]]
include-operation-id = "department_act"
parameters = {{ "path.id" = {binding("escalations")}, "body.action" = {binding("escalation_actions")}, "body.user_id" = {binding("users")} }}
"""
with open(OUT, "w", encoding="utf-8") as f:
    f.write(config)
print(f"seeded {len(requests)} requests, {len(escalations)} escalation(s), 1 attachment")
