"""Fill a database with the data of a large association, fast and deterministically.

    python -m bench.generate --beneficiaries 100000 --applications 300000 --seed 1
    python -m bench.generate --database-url postgresql://user:pw@localhost/bench --reset

SQLite `bench/bench.db` by default (the file is replaced). The schema comes from
the real migrations (flask_migrate.upgrade), then every table is filled with
SQLAlchemy Core executemany inserts in batches; ids are assigned here so rows can
reference each other without reading anything back. The same seed and the same
`--today` give the same rows.
"""
from __future__ import annotations

import argparse
import os
import random
import sys
import time
from bisect import bisect_right
from collections import defaultdict
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from pathlib import Path

from bench import names as N
from workflow.identity import check_digit

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_DB = BENCH_DIR / "bench.db"
DEFAULT_URL = "sqlite:///" + str(DEFAULT_DB)
PASSWORD = "bench-password-1447"
BATCH = 5_000

# Users created for every role: (email, name, role). All share PASSWORD.
USERS = [
    ("admin@bench.example", "مدير النظام", "admin"),
    ("officer1@bench.example", "موظف علاقات المستفيدين ١", "officer"),
    ("officer2@bench.example", "موظف علاقات المستفيدين ٢", "officer"),
    ("officer3@bench.example", "موظف علاقات المستفيدين ٣", "officer"),
    ("specialist1@bench.example", "الباحثة الاجتماعية ١", "specialist"),
    ("specialist2@bench.example", "الباحث الاجتماعي ٢", "specialist"),
    ("specialist3@bench.example", "الباحث الاجتماعي ٣", "specialist"),
    ("committee1@bench.example", "عضو اللجنة ١", "committee"),
    ("committee2@bench.example", "عضو اللجنة ٢", "committee"),
    ("committee3@bench.example", "عضو اللجنة ٣", "committee"),
    ("committee4@bench.example", "عضو اللجنة ٤", "committee"),
    ("committee5@bench.example", "عضو اللجنة ٥", "committee"),
    ("viewer@bench.example", "مطلع", "viewer"),
]
RIYADH = timezone(timedelta(hours=3))  # Asia/Riyadh has no daylight saving time

UNDECIDED = ("received", "incomplete", "with_specialist", "verified", "awaiting_committee")
# Status path (action, to_status) that leads to each final status.
PATHS = {
    "received": [("receive", "received")],
    "incomplete": [("receive", "received"), ("mark_incomplete", "incomplete")],
    "with_specialist": [("receive", "received"), ("refer", "with_specialist")],
    "verified": [("receive", "received"), ("verify", "verified")],
    "awaiting_committee": [("receive", "received"), ("verify", "verified"), ("raise", "awaiting_committee")],
    "accepted": [("receive", "received"), ("verify", "verified"), ("raise", "awaiting_committee"),
                 ("decide", "accepted")],
    "rejected": [("receive", "received"), ("verify", "verified"), ("raise", "awaiting_committee"),
                 ("decide", "rejected")],
    "served": [("receive", "received"), ("verify", "verified"), ("raise", "awaiting_committee"),
               ("decide", "accepted"), ("deliver", "served")],
    "closed": [("receive", "received"), ("verify", "verified"), ("raise", "awaiting_committee"),
               ("decide", "accepted"), ("deliver", "served"), ("close", "closed")],
    "withdrawn": [("receive", "received"), ("withdraw", "withdrawn")],
}


# -- small helpers ------------------------------------------------------------
class Progress:
    """A one-line progress bar on stderr (no dependency)."""

    def __init__(self, label: str, total: int, quiet: bool = False):
        self.label, self.total, self.n, self.quiet = label, max(total, 1), 0, quiet
        self.start = self.last = time.perf_counter()

    def update(self, n: int) -> None:
        self.n += n
        now = time.perf_counter()
        if not self.quiet and (now - self.last > 0.25 or self.n >= self.total):
            self.last = now
            done = min(self.n / self.total, 1.0)
            bar = "#" * int(done * 30)
            rate = self.n / max(now - self.start, 1e-9)
            sys.stderr.write(f"\r{self.label:<22} [{bar:<30}] {self.n:>9,}/{self.total:,} {rate:>9,.0f}/s")
            sys.stderr.flush()

    def close(self) -> float:
        elapsed = time.perf_counter() - self.start
        if not self.quiet:
            sys.stderr.write(f"\r{self.label:<22} [{'#' * 30}] {self.n:>9,} rows in {elapsed:6.1f}s{' ' * 12}\n")
        return elapsed


def national_id(prefix: str, number: int) -> str:
    body = prefix + f"{number:08d}"
    return body + check_digit(body)


# +9665X: Saudi mobile ranges. Not 7: +966 57 99x xxxx is not a valid number (phonenumbers).
MOBILE_SECOND_DIGITS = "0345689"


def mobile(number: int) -> str:
    d, rest = divmod(number, 10**7)
    return f"+9665{MOBILE_SECOND_DIGITS[d]}{rest:07d}"


def pick(rng: random.Random, variants: tuple[str, ...]) -> str:
    return variants[0] if len(variants) == 1 else rng.choice(variants)


class Inserter:
    def __init__(self, conn, quiet: bool):
        self.conn, self.quiet = conn, quiet
        self.timings: dict[str, tuple[int, float]] = {}

    def insert(self, table, rows, total: int, label: str | None = None, after_batch=None) -> int:
        label = label or table.name
        bar = Progress(label, total, self.quiet)
        batch, count = [], 0
        stmt = table.insert()
        for row in rows:
            batch.append(row)
            if len(batch) >= BATCH:
                self.conn.execute(stmt, batch)
                count += len(batch)
                bar.update(len(batch))
                batch = []
                if after_batch:
                    after_batch()
        if batch:
            self.conn.execute(stmt, batch)
            count += len(batch)
            bar.update(len(batch))
        if after_batch:
            after_batch()
        self.timings[label] = (count, bar.close())
        return count


# -- the generator ----------------------------------------------------------------
class Generator:
    def __init__(self, beneficiaries: int, applications: int, seed: int, today: date, sessions: int = 200):
        self.nb, self.na, self.seed, self.today, self.nsessions = beneficiaries, applications, seed, today, sessions
        self.rng = random.Random(seed)
        self.now = datetime.combine(today, datetime.min.time(), tzinfo=RIYADH).replace(hour=12).astimezone(timezone.utc)
        self.start = self.now - timedelta(days=3 * 365)
        self.user_ids: dict[str, list[int]] = defaultdict(list)
        self.ben_created: list[datetime] = []
        self.folded_names: list[str] = []  # beneficiary id - 1 -> folded full name
        self._hijri_year: dict[date, int] = {}

    # reference data ----------------------------------------------------------
    def reference_rows(self, ins: Inserter, t) -> None:
        from werkzeug.security import generate_password_hash

        pw_hash = generate_password_hash(PASSWORD)
        users = []
        for i, (email, name, role) in enumerate(USERS, start=1):
            users.append(dict(id=i, email=email, full_name=name, role=role, password_hash=pw_hash, active=True,
                              created_at=self.start, last_login_at=None))
            self.user_ids[role].append(i)
        ins.insert(t["user"], users, len(users))
        ins.insert(t["channel"], [dict(id=i, code=c, name_ar=ar, name_en=en, active=True, sort_order=i)
                                  for i, (c, ar, en) in enumerate(N.CHANNELS, start=1)], len(N.CHANNELS))
        ins.insert(t["service_type"], [
            dict(id=i, name_ar=ar, name_en=en, description="", active=True, decision_period_days=days,
                 cooldown_days=0, verification_mechanisms=["administrative_review"])
            for i, (ar, en, days, _w) in enumerate(N.SERVICE_TYPES, start=1)], len(N.SERVICE_TYPES))
        ins.insert(t["document_type"], [
            dict(id=i, code=c, name_ar=ar, name_en=en, expires=exp, active=True, sort_order=i)
            for i, (c, ar, en, exp) in enumerate(N.DOCUMENT_TYPES, start=1)], len(N.DOCUMENT_TYPES))
        ins.insert(t["service_type_required_document"], [
            dict(service_type_id=s, document_type_id=d) for s in range(1, len(N.SERVICE_TYPES) + 1) for d in (1, 2)],
            2 * len(N.SERVICE_TYPES))
        ins.insert(t["organisation_profile"], [dict(
            id=1, name_ar="جمعية البر الخيرية (بيانات تجريبية)", name_en="Al-Birr Charity (benchmark data)",
            licence_no="1234", phone="", email="", website="", address="سكاكا، الجوف",
            default_decision_period_days=14, template_key="", committee_name_ar="لجنة البحث الاجتماعي",
            committee_name_en="Social research committee", general_goal_ar="", general_goal_en="",
            detailed_goals=[], handling_steps=[], eligibility_verification={}, verification_mechanisms=[],
            board_resolution_no="", board_meeting_no="", board_approval_date=None, retention_years=0)], 1)
        ins.insert(t["declaration_text"], [dict(id=1, version=1, text_ar="أقر بأن جميع البيانات صحيحة وأتحمل مسؤوليتها.",
                                                text_en="I declare that all the data is correct.",
                                                created_at=self.start)], 1)

        # What the newer screens read: eligibility criteria per service type (the request
        # checklist), the survey questions, the volunteer form's skills and interests.
        criteria, cid = [], 0
        for st in range(1, len(N.SERVICE_TYPES) + 1):
            for k, (field, op, value, why) in enumerate((
                    ("nationality", "in", "SA," + ",".join(N.RESIDENT_NATIONALITIES[:2]), "مواطن أو مقيم"),
                    ("income_per_member", "le", str(1500 + 250 * st), "دخل الفرد في الأسرة ضمن الحد"),
                    ("age", "ge", "18", "بالغ")), start=1):
                cid += 1
                criteria.append(dict(id=cid, service_type_id=st, field=field, operator=op, value=value,
                                     explanation_ar=why, explanation_en="", sort_order=k))
        ins.insert(t["eligibility_criterion"], criteria, len(criteria))
        questions = ["سهولة تقديم الطلب", "وضوح المعلومات", "سرعة الرد", "تعامل الموظفين", "الرضا العام"]
        ins.insert(t["survey_question"], [dict(id=i, text_ar=q, text_en="", active=True, sort_order=i)
                                          for i, q in enumerate(questions, start=1)], len(questions))
        fields = [("skill", "تنظيم الفعاليات"), ("skill", "إدخال البيانات"), ("skill", "التصميم"),
                  ("skill", "قيادة السيارات"), ("interest", "توزيع السلال الغذائية"),
                  ("interest", "رعاية الأيتام"), ("interest", "الحملات الموسمية")]
        ins.insert(t["volunteer_field"], [dict(id=i, kind=k, name_ar=n, name_en="", active=True, sort_order=i)
                                          for i, (k, n) in enumerate(fields, start=1)], len(fields))

    def declarations(self):
        """Most beneficiaries signed the declaration once, at registration (in person or online)."""
        rng = random.Random(self.seed * 1000 + 8)
        officers = self.user_ids["officer"]
        did = 0
        for bid in range(1, self.nb + 1):
            if rng.random() < 0.2:
                continue
            did += 1
            online = rng.random() < 0.3
            yield dict(id=did, beneficiary_id=bid, application_id=None, text_id=1,
                       method="online" if online else "in_person",
                       signed_at=self.ben_created[bid - 1] + timedelta(minutes=5),
                       signed_name="" if not online else "توقيع إلكتروني", ip_address="127.0.0.1" if online else "",
                       scan_file_id=None, recorded_by_id=None if online else rng.choice(officers))

    # beneficiaries and what hangs off them ----------------------------------------
    def beneficiaries(self):
        rng = random.Random(self.seed * 1000 + 1)
        from workflow.arabic import fold_arabic, full_name

        ids = rng.sample(range(10**8), self.nb)
        phones = rng.sample(range(len(MOBILE_SECOND_DIGITS) * 10**7), self.nb)
        regions = N.REGIONS
        region_weights = [r[3] for r in regions]
        span = (self.now - self.start).total_seconds()
        for i in range(self.nb):
            bid = i + 1
            female = rng.random() < 0.55
            first = pick(rng, rng.choice(N.FEMALE_NAMES if female else N.MALE_NAMES))
            father = pick(rng, rng.choice(N.MALE_NAMES))
            grandfather = pick(rng, rng.choice(N.MALE_NAMES))
            family = pick(rng, rng.choice(N.FAMILY_NAMES))
            saudi = rng.random() < 0.85
            region = rng.choices(regions, region_weights)[0]
            created = self.start + timedelta(seconds=span * 0.9 * i / self.nb + rng.random() * 3600)
            self.ben_created.append(created)
            self.folded_names.append(fold_arabic(full_name(first, father, grandfather, family)))
            age_days = rng.randint(18 * 365, 85 * 365)
            income = rng.choice((0, 0, 1000, 1500, 2000, 2500, 3000, 4000, 5000, 7000))
            yield dict(
                id=bid, national_id=national_id("1" if saudi else "2", ids[i]),
                first_name=first, father_name=father, grandfather_name=grandfather, family_name=family,
                name_search=self.folded_names[-1],
                gender="female" if female else "male",
                birth_date=self.today - timedelta(days=age_days),
                nationality="SA" if saudi else rng.choice(N.RESIDENT_NATIONALITIES),
                phone=mobile(phones[i]), email="", region=region[0], city=rng.choice(region[2]),
                district=rng.choice(N.DISTRICTS), address="", marital_status=rng.choice(
                    ("single", "married", "married", "divorced", "widowed")),
                monthly_income=Decimal(income), notes="", created_at=created, updated_at=created,
                created_by_id=rng.choice(self.user_ids["officer"]), anonymised_at=None)

    def name_words(self):
        """The name-word search index (models.beneficiary.BeneficiaryNameWord), as the app writes it."""
        from workflow.arabic import name_words

        for bid, folded in enumerate(self.folded_names, start=1):
            for word in sorted(name_words(folded)):
                yield dict(beneficiary_id=bid, word=word)

    def household(self):
        rng = random.Random(self.seed * 1000 + 2)
        weights = [14, 12, 14, 16, 14, 11, 8, 6, 5]  # 0..8 members
        mid = 0
        for bid in range(1, self.nb + 1):
            for k in range(rng.choices(range(9), weights)[0]):
                mid += 1
                relation = "spouse" if k == 0 and rng.random() < 0.7 else rng.choice(N.HOUSEHOLD_RELATIONS[1:])
                female = relation in ("daughter", "mother", "sister") or (relation == "spouse" and rng.random() < 0.9)
                adult = relation in ("spouse", "father", "mother")
                yield dict(
                    id=mid, beneficiary_id=bid,
                    name=pick(rng, rng.choice(N.FEMALE_NAMES if female else N.MALE_NAMES)),
                    relation=relation,
                    birth_date=self.today - timedelta(days=rng.randint(25 * 365, 70 * 365) if adult
                                                      else rng.randint(0, 24 * 365)),
                    national_id=national_id("1", rng.randrange(10**8)) if adult else None,
                    monthly_income=None, has_disability=rng.random() < 0.04, notes="")

    def documents(self):
        rng = random.Random(self.seed * 1000 + 3)
        did = 0
        staff = self.user_ids["officer"]
        for bid in range(1, self.nb + 1):
            created = self.ben_created[bid - 1]
            types = [1] + rng.sample(range(2, len(N.DOCUMENT_TYPES) + 1), rng.randint(0, 2))
            for type_id in types:
                did += 1
                issued = created.date() - timedelta(days=rng.randint(10, 2000))
                expires = N.DOCUMENT_TYPES[type_id - 1][3]
                verified = rng.random() < 0.8
                yield dict(id=did, beneficiary_id=bid, application_id=None, document_type_id=type_id,
                           issue_date=issued, expiry_date=issued + timedelta(days=rng.choice((365, 730, 1825)))
                           if expires else None, file_id=None, notes="",
                           verified_by_id=rng.choice(staff) if verified else None,
                           verified_at=created + timedelta(hours=2) if verified else None, created_at=created)

    def communications(self):
        rng = random.Random(self.seed * 1000 + 4)
        cid = 0
        staff = self.user_ids["officer"]
        for bid in range(1, self.nb + 1):
            created = self.ben_created[bid - 1]
            age = (self.now - created).total_seconds()
            for _ in range(rng.choice((0, 1, 1, 2, 2, 3, 4))):
                cid += 1
                at = created + timedelta(seconds=rng.random() * age)
                follow = rng.random() < 0.1
                yield dict(id=cid, beneficiary_id=bid, application_id=None, channel_id=rng.randint(1, 8),
                           direction=rng.choice(("incoming", "outgoing")),
                           subject=rng.choice(N.COMMUNICATION_SUBJECTS), summary="",
                           staff_id=rng.choice(staff), at=at,
                           follow_up_on=(at + timedelta(days=rng.randint(1, 20))).date() if follow else None,
                           follow_up_done=follow and at < self.now - timedelta(days=20), delivery="")

    # applications --------------------------------------------------------------------
    def hijri_year(self, day: date) -> int:
        year = self._hijri_year.get(day)
        if year is None:
            from workflow.dates import hijri_year

            year = self._hijri_year[day] = hijri_year(day)
        return year

    def _final_status(self, rng: random.Random, age_days: int, period: int) -> str:
        r = rng.random()
        if age_days < period:
            table = (("received", .25), ("incomplete", .1), ("with_specialist", .12), ("verified", .18),
                     ("awaiting_committee", .25), ("accepted", .05), ("rejected", .03), ("withdrawn", .02))
        elif age_days < period + 60:
            table = (("received", .02), ("incomplete", .03), ("with_specialist", .03), ("verified", .02),
                     ("awaiting_committee", .04), ("accepted", .3), ("rejected", .14), ("served", .37),
                     ("withdrawn", .05))
        else:
            table = (("awaiting_committee", .004), ("with_specialist", .004), ("incomplete", .004),
                     ("accepted", .03), ("rejected", .12), ("served", .1), ("closed", .69), ("withdrawn", .048))
        acc = 0.0
        for status, p in table:
            acc += p
            if r < acc:
                return status
        return table[-1][0]

    def applications(self):
        """Yields (application row, [event rows]); remembers decided ones for the committee agenda."""
        rng = random.Random(self.seed * 1000 + 5)
        span = (self.now - self.start).total_seconds()
        offsets = sorted(rng.random() * span for _ in range(self.na))
        st_weights = [s[3] for s in N.SERVICE_TYPES]
        counters: dict[int, int] = defaultdict(int)
        officers, specialists = self.user_ids["officer"], self.user_ids["specialist"]
        created_sorted = self.ben_created
        # A few "frequent" beneficiaries get many requests (a long timeline to show).
        frequent = rng.sample(range(1, min(self.nb, 1000) + 1), min(50, self.nb))
        self.decided_by_day: dict[date, list[tuple[int, str]]] = defaultdict(list)
        self.awaiting: list[int] = []
        self.counters = counters
        eid = 0
        for i, offset in enumerate(offsets):
            aid = i + 1
            received = self.start + timedelta(seconds=offset)
            known = max(1, bisect_right(created_sorted, received))
            bid = rng.choice(frequent) if rng.random() < 0.01 else rng.randint(1, known)
            st = rng.choices(range(1, len(N.SERVICE_TYPES) + 1), st_weights)[0]
            period = N.SERVICE_TYPES[st - 1][2] or 14
            local_day = received.astimezone(RIYADH).date()
            due = local_day + timedelta(days=period)
            age_days = (self.today - local_day).days
            status = self._final_status(rng, age_days, period)
            year = self.hijri_year(local_day)
            counters[year] += 1
            path = PATHS[status]
            # The steps are spread over the time the request has had so far.
            available = max((self.now - received).total_seconds(), 60)
            step = min(available / (len(path) + 1), period * 86400 / 3)
            events, at = [], received
            decided_at = served_at = closed_at = None
            from_status = ""
            for k, (action, to_status) in enumerate(path):
                if k:
                    at = at + timedelta(seconds=step * (0.5 + rng.random()))
                eid += 1
                events.append(dict(id=eid, application_id=aid, at=at,
                                   user_id=rng.choice(officers) if action != "refer" else rng.choice(officers),
                                   action=action, from_status=from_status, to_status=to_status, note=""))
                from_status = to_status
                if action == "decide":
                    decided_at = at
                elif action == "deliver":
                    served_at = at
                elif action in ("close", "withdraw"):
                    closed_at = at
            if decided_at is not None:
                self.decided_by_day[decided_at.astimezone(RIYADH).date()].append(
                    (aid, "accept" if status in ("accepted", "served", "closed") else "reject"))
            elif status == "awaiting_committee" and age_days < 60:
                self.awaiting.append(aid)
            row = dict(
                id=aid, reference=f"REQ-{year}-{counters[year]:06d}", beneficiary_id=bid, service_type_id=st,
                channel_id=rng.randint(1, 8), status=status, received_at=received, decision_due=due,
                decided_at=decided_at, served_at=served_at, closed_at=closed_at,
                assigned_specialist_id=rng.choice(specialists) if status == "with_specialist" else None,
                created_by_id=rng.choice(officers), description="", notes="",
                missing_items=["صورة الهوية الوطنية"] if status == "incomplete" else [],
                checklist=[], recommendation="", version=1)
            yield row, events

    # committee ------------------------------------------------------------------------
    def committee(self):
        """Sessions every few days; closed ones decided the requests decided that day; one has exactly 50 items."""
        rng = random.Random(self.seed * 1000 + 6)
        members = self.user_ids["committee"]
        n = self.nsessions
        sessions, members_rows, present_rows, items, decisions = [], [], [], [], []
        used: set[int] = set()
        gap = max(1, (3 * 365) // max(n, 1))
        special = n // 2  # the session with exactly 50 agenda items
        item_id = dec_id = 0
        for s in range(n):
            sid = s + 1
            held = self.today - timedelta(days=gap * (n - 1 - s))
            is_open = s >= n - 3
            hijri = self.hijri_year(held)
            sessions.append(dict(id=sid, number=f"{hijri}/{sid:03d}", held_on=held, place="مقر الجمعية",
                                 status="open" if is_open else "closed", quorum=3, minutes_notes="",
                                 closed_at=None if is_open else datetime.combine(held, datetime.min.time(),
                                                                                  tzinfo=RIYADH).replace(hour=13),
                                 created_at=datetime.combine(held, datetime.min.time(), tzinfo=RIYADH) - timedelta(days=3)))
            for m in members:
                members_rows.append(dict(session_id=sid, user_id=m))
            for m in members[:4]:
                present_rows.append(dict(session_id=sid, user_id=m))
            want = 50 if s == special else rng.randint(20, 45)
            if is_open:
                pool = [(a, None) for a in self.awaiting if a not in used]
            else:
                pool = []
                for d in range(gap):
                    pool.extend((a, o) for a, o in self.decided_by_day.get(held - timedelta(days=d), ()) if a not in used)
            chosen = rng.sample(pool, min(want, len(pool)))
            for pos, (aid, outcome) in enumerate(chosen, start=1):
                used.add(aid)
                item_id += 1
                items.append(dict(id=item_id, session_id=sid, application_id=aid, position=pos))
                if outcome is not None:
                    dec_id += 1
                    decisions.append(dict(id=dec_id, application_id=aid, session_id=sid, outcome=outcome,
                                          reason="" if outcome == "accept" else "الدخل أعلى من الحد المعتمد",
                                          granted="", recorded_by_id=members[0],
                                          recorded_at=datetime.combine(held, datetime.min.time(),
                                                                       tzinfo=RIYADH).replace(hour=12)))
        self.special_session = special + 1
        return sessions, members_rows, present_rows, items, decisions

    def audit(self, applications: int):
        rng = random.Random(self.seed * 1000 + 7)
        officers = self.user_ids["officer"]
        emails = {uid: e for uid, (e, _n, _r) in enumerate(USERS, start=1)}
        aid = 0
        for bid in range(1, self.nb + 1):
            aid += 1
            uid = rng.choice(officers)
            yield dict(id=aid, at=self.ben_created[bid - 1], user_id=uid, actor=emails[uid], action="create",
                       table_name="beneficiary", record_id=str(bid), changes={"id": bid}, note="")
        span = (self.now - self.start).total_seconds()
        extra = max(self.nb // 2, 1)
        for k in range(extra):
            aid += 1
            uid = rng.randint(1, len(USERS))
            action = rng.choice(("login", "view", "view", "update"))
            table, record = ("user", str(uid)) if action == "login" else (
                "application", str(rng.randint(1, max(applications, 1))))
            yield dict(id=aid, at=self.start + timedelta(seconds=span * k / extra), user_id=uid, actor=emails[uid],
                       action=action, table_name=table, record_id=record,
                       changes={"status": ["received", "verified"]} if action == "update" else None, note="")


# -- driver -------------------------------------------------------------------------------
def _reset(url: str, reset: bool) -> None:
    from sqlalchemy import create_engine, inspect, text

    if url.startswith("sqlite:///"):
        path = Path(url[len("sqlite:///"):])
        for suffix in ("", "-wal", "-shm", "-journal"):
            p = Path(str(path) + suffix)
            if p.exists():
                p.unlink()
        path.parent.mkdir(parents=True, exist_ok=True)
        return
    engine = create_engine(url)
    with engine.begin() as conn:
        if inspect(conn).get_table_names():
            if not reset:
                raise SystemExit("The database already has tables: pass --reset to drop everything in it.")
            conn.execute(text("DROP SCHEMA public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def normalise_url(url: str) -> str:
    if url.startswith("postgres://"):
        return "postgresql+psycopg://" + url[len("postgres://"):]
    if url.startswith("postgresql://"):
        return "postgresql+psycopg://" + url[len("postgresql://"):]
    return url


def generate(url: str, beneficiaries: int, applications: int, seed: int, today: date | None = None,
             sessions: int = 200, reset: bool = False, quiet: bool = False) -> dict:
    """Create the schema in `url` and fill it. Returns a summary (counts, timings, users)."""
    url = normalise_url(url)
    t0 = time.perf_counter()
    _reset(url, reset)
    from app import create_app
    from extensions import db

    app = create_app({"SQLALCHEMY_DATABASE_URI": url})
    gen = Generator(beneficiaries, applications, seed, today or date.today(), sessions)
    with app.app_context():
        from flask_migrate import upgrade
        import logging

        logging.getLogger("alembic").setLevel(logging.WARNING)
        upgrade()
        t = db.metadata.tables
        engine = db.engine
        with engine.begin() as conn:
            if engine.dialect.name == "sqlite":
                conn.exec_driver_sql("PRAGMA synchronous=OFF")
                conn.exec_driver_sql("PRAGMA cache_size=-200000")
            ins = Inserter(conn, quiet)
            gen.reference_rows(ins, t)
            ins.insert(t["beneficiary"], gen.beneficiaries(), beneficiaries)
            ins.insert(t["beneficiary_name_word"], gen.name_words(), beneficiaries * 26 // 5, "beneficiary_name_word")
            ins.insert(t["household_member"], gen.household(), beneficiaries * 3, "household_member")
            ins.insert(t["document"], gen.documents(), beneficiaries * 2)
            ins.insert(t["communication"], gen.communications(), beneficiaries * 13 // 7)
            ins.insert(t["declaration"], gen.declarations(), beneficiaries * 4 // 5)

            events: list[dict] = []
            event_table = t["application_event"]

            def apps():
                for row, evs in gen.applications():
                    events.extend(evs)
                    yield row

            def flush_events():  # after their applications, so foreign keys hold on PostgreSQL
                for k in range(0, len(events), BATCH):
                    conn.execute(event_table.insert(), events[k:k + BATCH])
                events.clear()

            ins.insert(t["application"], apps(), applications, "application+events", after_batch=flush_events)
            ins.insert(t["reference_counter"], [dict(year=y, last=n) for y, n in sorted(gen.counters.items())],
                       len(gen.counters))
            sessions_rows, members, present, items, decisions = gen.committee()
            ins.insert(t["committee_session"], sessions_rows, len(sessions_rows))
            ins.insert(t["committee_session_member"], members, len(members))
            ins.insert(t["committee_session_present"], present, len(present))
            ins.insert(t["agenda_item"], items, len(items))
            ins.insert(t["decision"], decisions, len(decisions))
            ins.insert(t["audit_entry"], gen.audit(applications), beneficiaries + max(beneficiaries // 2, 1))
            if engine.dialect.name == "postgresql":
                from sqlalchemy import text

                for table in t.values():
                    if "id" in table.c and table.c.id.primary_key and table.c.id.autoincrement:
                        conn.execute(text(
                            f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                            f"coalesce((SELECT max(id) FROM \"{table.name}\"), 0) + 1, false)"))
        from sqlalchemy import func, select

        counts = {}
        with engine.connect() as conn:
            for name in ("beneficiary", "household_member", "document", "communication", "application",
                         "application_event", "committee_session", "agenda_item", "decision", "audit_entry",
                         "declaration"):
                counts[name] = conn.execute(select(func.count()).select_from(t[name])).scalar()
        t1 = time.perf_counter()
        if engine.dialect.name == "sqlite":
            with engine.begin() as conn:
                conn.exec_driver_sql("ANALYZE")
                conn.exec_driver_sql("PRAGMA journal_mode=WAL")
        else:
            # VACUUM as autovacuum would have by the time a real database is this size: it sets
            # the visibility map, without which PostgreSQL cannot answer counts from an index alone.
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")
        analyze_s = time.perf_counter() - t1
    return {"seconds": round(time.perf_counter() - t0, 1), "analyze_seconds": round(analyze_s, 1),
            "counts": counts, "special_session_id": gen.special_session,
            "users": [(e, r) for e, _n, r in USERS], "password": PASSWORD,
            "timings": {k: round(v[1], 1) for k, v in ins.timings.items()}}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--beneficiaries", type=int, default=100_000)
    parser.add_argument("--applications", type=int, default=300_000)
    parser.add_argument("--sessions", type=int, default=200)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--today", type=date.fromisoformat, default=None,
                        help="the date the data is relative to (default: today)")
    parser.add_argument("--database-url", default=os.environ.get("DATABASE_URL") or DEFAULT_URL)
    parser.add_argument("--reset", action="store_true", help="PostgreSQL: drop every table first")
    parser.add_argument("--quiet", action="store_true")
    args = parser.parse_args(argv)
    summary = generate(args.database_url, args.beneficiaries, args.applications, args.seed, args.today,
                       args.sessions, args.reset, args.quiet)
    print(f"\nGenerated in {summary['seconds']} s ({args.database_url.split('@')[-1]}):")
    for name, n in summary["counts"].items():
        print(f"  {name:<20} {n:>10,}")
    print(f"Committee session with exactly 50 agenda items: id {summary['special_session_id']}")
    print(f"Users (password for all: {PASSWORD}):")
    for email, role in summary["users"]:
        print(f"  {role:<11} {email}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
