#!/usr/bin/env python3
"""Generate the example invoices: OCR-style text, a PDF and a label for each.

Every company, person, address, telephone number, bank and registration
number here is made up. The output is deterministic: running the script
twice writes the same bytes, so the committed files can be checked with
`git diff` after a rerun.

Usage: python3 generate.py [OUTPUT_DIR]   (default: the script's folder)

Standard library only. The PDF writer at the end of this file writes the
text lines with a standard Japanese CID font that is named, not embedded.
"""

import calendar
import datetime
import json
import os
import random
import sys
import unicodedata
import zlib

SEED = 20241031

# Era offset: 令和N年 is the Gregorian year 2018 + N (令和1年 is 2019).
REIWA_OFFSET = 2018


# --- registration numbers ------------------------------------------------
#
# A registration number of a corporate issuer is "T" and the 13-digit
# corporate number (法人番号). Its first digit is a check digit over the
# other 12 (the base number, 基礎番号), defined in 法人番号の指定等に関する
# 省令 (平成26年財務省令第70号) 第2条: with P(n) the n-th digit counted from
# the right of the base number and Q(n) = 1 for odd n and 2 for even n,
# check = 9 - (sum of P(n) * Q(n) for n = 1..12, mod 9).
# Sources opened: the ordinance text and its worked example (7123456789012
# has check digit 7) quoted at https://expydoc.com/doc/8196212/ , and the
# note at https://qiita.com/kawasaki/items/bfa9f0edc32c132eff30 that the
# modulo applies to the whole sum.

def corporate_check_digit(base):
    """Return the check digit (1 to 9) of a 12-digit base number."""
    if len(base) != 12 or not base.isdigit():
        raise ValueError("base number must be 12 digits: %r" % base)
    total = 0
    for n, ch in enumerate(reversed(base), 1):
        total += int(ch) * (1 if n % 2 else 2)
    return 9 - total % 9


def corporate_number(base):
    return str(corporate_check_digit(base)) + base


assert corporate_number("123456789012") == "7123456789012"


def fictional_corporate_number(serial):
    # NOTE: the base numbers start with registry office code 99xx, which
    # the author believes no registry office uses, so that the numbers do
    # not name real companies. That belief was not checked against the
    # National Tax Agency's register.
    return corporate_number("99%02d01%06d" % (serial % 100, 104729 * serial % 1000000))


# --- the made-up parties -----------------------------------------------------
#
# Telephone numbers start their subscriber part with 0 (03-0xxx-xxxx),
# which Japanese numbering never assigns, so none of them can be dialled.

ISSUERS = [
    # name, bank-style katakana holder, postal code, address, phone, industry, registered
    ("株式会社さくら野食品", "カ）サクラノシヨクヒン", "135-0016", "東京都江東区東陽9丁目12番3号", "03-0412-7731", "food", True),
    ("株式会社ミナトソフト", "カ）ミナトソフト", "220-0012", "神奈川県横浜市西区みなとみらい8-21-5 ミナトタワー14F", "045-0230-1187", "it", True),
    ("有限会社ひかり印刷", "ユ）ヒカリインサツ", "460-0008", "愛知県名古屋市中区栄9-4-18", "052-0261-4402", "print", True),
    ("株式会社はなまる仕出し", "カ）ハナマルシダシ", "530-0001", "大阪府大阪市北区梅田9-3-27 はなまるビル2階", "06-0345-9920", "catering", True),
    ("株式会社オフィスかえで", "カ）オフイスカエデ", "812-0011", "福岡県福岡市博多区博多駅前9-7-1", "092-0471-3358", "office", True),
    ("合同会社きらら清掃サービス", "ド）キララセイソウサービス", "060-0042", "北海道札幌市中央区大通西29丁目1-15", "011-0208-6641", "cleaning", True),
    ("株式会社ことのは翻訳", "カ）コトノハホンヤク", "101-0052", "東京都千代田区神田小川町9-2-8 第3ことのはビル", "03-0519-2284", "translation", True),
    ("株式会社あおば運輸", "カ）アオバウンユ", "980-0811", "宮城県仙台市青葉区一番町9-9-30", "022-0397-5512", "transport", True),
    ("株式会社みどり青果", "カ）ミドリセイカ", "330-0846", "埼玉県さいたま市大宮区大門町9-58", "048-0644-1029", "produce", True),
    ("株式会社こむぎ堂ベーカリー", "カ）コムギドウベーカリー", "600-8216", "京都府京都市下京区東塩小路町9-702", "075-0356-8843", "bakery", True),
    ("株式会社つばめリース", "カ）ツバメリース", "730-0031", "広島県広島市中区紙屋町9-2-22", "082-0549-3376", "lease", True),
    ("株式会社しろがね経営研究所", "カ）シロガネケイエイケンキユウシヨ", "150-0002", "東京都渋谷区渋谷9-24-12 渋谷しろがねビル8F", "03-0667-4190", "consulting", True),
    ("株式会社まなび研修センター", "カ）マナビケンシユウセンター", "900-0015", "沖縄県那覇市久茂地9-1-1", "098-0861-2230", "training", True),
    ("株式会社はなみずき生花店", "カ）ハナミズキセイカテン", "650-0021", "兵庫県神戸市中央区三宮町9-5-9", "078-0331-7765", "flowers", True),
    ("株式会社いずみ酒販", "カ）イズミシユハン", "370-0841", "群馬県高崎市栄町9-16", "027-0323-0458", "liquor", True),
    ("そよかぜデザイン室", "ソヨカゼデザインシツ", "254-0043", "神奈川県平塚市紅谷町9-11-203", "0463-09-2741", "design", False),
    ("やまびこ造園", "ヤマビコゾウエン", "390-0811", "長野県松本市中央9-8-4", "0263-05-8812", "garden", False),
]

RECIPIENTS = [
    ("株式会社みなと商事", "御中", "105-0011", "東京都港区芝公園9-8-7 みなとビル4F"),
    ("株式会社あけぼの製作所", "御中", "332-0012", "埼玉県川口市本町9-3-14"),
    ("医療法人社団やすらぎ会", "御中", "192-0083", "東京都八王子市旭町9-1"),
    ("株式会社グリーンテラス", "御中", "231-0023", "神奈川県横浜市中区山下町9-25"),
    ("学校法人ひばり学園", "御中", "464-0819", "愛知県名古屋市千種区四谷通9-12"),
    ("カフェ・ド・ルミエール", "御中", "542-0086", "大阪府大阪市中央区西心斎橋9-10-6"),
    ("株式会社北斗ホールディングス", "御中", "060-0005", "北海道札幌市中央区北五条西9-7"),
    ("山田 花子", "様", "814-0002", "福岡県福岡市早良区西新9-4-21"),
    ("株式会社ほしぞら物産", "御中", "980-0021", "宮城県仙台市青葉区中央9-2-10"),
    ("ひまわり保育園", "御中", "330-0063", "埼玉県さいたま市浦和区高砂9-11-2"),
    ("株式会社リバーサイドホテル", "御中", "600-8008", "京都府京都市下京区四条通9-88"),
    ("佐藤 健一", "殿", "730-0011", "広島県広島市中区基町9-30"),
    ("株式会社たちばな建設", "御中", "901-2131", "沖縄県浦添市牧港9-15-3"),
    ("一般社団法人まちづくり協議会", "御中", "650-0001", "兵庫県神戸市中央区加納町9-4-1"),
]

BANKS = [
    ("みずなみ銀行", ["本店営業部", "中央支店", "駅前支店"]),
    ("さくら野銀行", ["東京営業部", "港北支店", "梅田支店"]),
    ("ひかり台銀行", ["栄支店", "天神支店", "大通支店"]),
    ("かえで台信用金庫", ["本店", "西口支店"]),
    ("しろがね銀行", ["丸の内支店", "三宮支店", "那覇支店"]),
]

# Catalogue per industry: description, unit, candidate unit prices in yen
# (tax-inclusive on the invoices that show tax-inclusive prices), candidate
# quantities, tax rate. Rate 8 is the reduced rate
# for food and drink other than alcohol and eating in, and for newspapers.
CATALOG = {
    "food": [
        ("国産大豆 1kg", "袋", [480, 520], range(10, 41), 8),
        ("有機味噌 750g", "個", [620, 680], range(12, 49), 8),
        ("乾燥しいたけ 200g", "袋", [1150, 1280], range(3, 16), 8),
        ("業務用醤油 1.8L", "本", [980, 1040], range(6, 25), 8),
        ("保冷ボックス", "個", [330, 360], range(2, 9), 10),
        ("配送料", "式", [2000, 2500], [1], 10),
    ],
    "it": [
        ("Webサイト保守（月額）", "式", [55000, 66000], [1], 10),
        ("追加開発作業", "時間", [8000, 9600], [4.5, 7.5, 12, 16.5], 10),
        ("クラウドサーバー利用料", "月", [12800, 19800], [1], 10),
        ("SSL証明書更新", "件", [16500], [1], 10),
    ],
    "print": [
        ("会社案内パンフレット A4 8P", "部", [138, 152], [500, 1000, 1500], 10),
        ("名刺印刷 片面カラー", "箱", [1800, 2200], range(2, 11), 10),
        ("デザイン・版下作成", "式", [30000, 45000], [1], 10),
        ("封筒 長3 社名入り", "枚", [18, 22], [1000, 2000], 10),
    ],
    "catering": [
        ("会議用幕の内弁当", "個", [1080, 1296], range(15, 61), 8),
        ("緑茶 500ml", "本", [140, 160], range(15, 61), 8),
        ("配膳・回収サービス料", "式", [8000, 11000], [1], 10),
        ("ビール 350ml", "缶", [280, 310], [24, 48], 10),
    ],
    "office": [
        ("コピー用紙 A4 5000枚", "箱", [3180, 3480], range(2, 13), 10),
        ("ゲルインクボールペン 黒", "本", [110, 132], [10, 20, 50], 10),
        ("クリアファイル A4 10枚組", "袋", [298, 330], range(5, 21), 10),
        ("コーヒー豆 500g", "袋", [1480, 1620], range(2, 9), 8),
        ("ミネラルウォーター 2L×6本", "箱", [698, 780], range(1, 7), 8),
    ],
    "cleaning": [
        ("定期清掃（事務所）", "回", [18000, 22000], [2, 4, 5], 10),
        ("床ワックス仕上げ", "㎡", [250, 280], [80, 120, 160], 10),
        ("エアコン分解洗浄", "台", [12000, 14500], range(1, 6), 10),
        ("出張費", "式", [3000], [1], 10),
    ],
    "translation": [
        ("翻訳（日→英）技術文書", "文字", [12, 14], [8400, 12400, 15600], 10),
        ("ネイティブチェック", "時間", [6000, 7000], [2, 3, 4.5], 10),
        ("DTP編集", "頁", [1500, 1800], range(8, 25), 10),
    ],
    "transport": [
        ("チャーター便 4t車（市内）", "便", [15000, 18000], range(4, 15), 10),
        ("長距離便 10t車", "便", [68000, 72000], range(1, 4), 10),
        ("待機料", "時間", [3500], range(1, 5), 10),
    ],
    "produce": [
        ("キャベツ", "玉", [160, 180, 210], range(20, 61), 8),
        ("玉ねぎ 10kg", "箱", [2400, 2600], range(3, 11), 8),
        ("トマト 4kg", "箱", [2980, 3200], range(2, 9), 8),
        ("段ボール回収費", "式", [1000], [1], 10),
    ],
    "bakery": [
        ("角食パン 1.5斤", "本", [240, 280], range(30, 81), 8),
        ("クロワッサン", "個", [95, 110], range(60, 201, 10), 8),
        ("バゲット", "本", [260, 290], range(10, 41), 8),
        ("配送料", "式", [1500], [1], 10),
    ],
    "lease": [
        ("複合機リース料（月額）", "台", [12000, 15800], [1, 2], 10),
        ("カラーカウンター料金", "枚", [12, 15], [1840, 3450, 5120], 10),
        ("モノクロカウンター料金", "枚", [2, 3], [8200, 12600], 10),
        ("トナー回収・交換作業", "回", [5000], [1], 10),
    ],
    "consulting": [
        ("業務改善コンサルティング（月額）", "式", [200000, 250000], [1], 10),
        ("経営会議ファシリテーション", "回", [50000], [1, 2], 10),
        ("交通費（実費）", "式", [8640, 12380], [1], 10),
    ],
    "training": [
        ("新入社員研修 講師料", "日", [80000, 95000], [1, 2, 3], 10),
        ("研修テキスト", "冊", [1200, 1500], range(10, 41), 10),
        ("研修用昼食", "食", [880, 980], range(10, 41), 8),
    ],
    "flowers": [
        ("生花アレンジメント（受付用）", "基", [5500, 8800], range(1, 4), 10),
        ("観葉植物レンタル", "鉢", [1100, 1650], range(4, 13), 10),
        ("地域情報紙 定期購読（月2回以上発行）", "部", [2200], [1], 8),
    ],
    "liquor": [
        ("純米吟醸酒 720ml", "本", [1680, 1980], range(6, 25), 10),
        ("クラフトビール 330ml", "本", [420, 480], range(24, 97, 24), 10),
        ("炭酸水 500ml", "本", [98, 110], range(24, 97, 24), 8),
        ("ノンアルコールビール 350ml", "缶", [138, 158], range(24, 73, 24), 8),
    ],
    "design": [
        ("ロゴデザイン制作", "式", [120000, 150000], [1], 10),
        ("チラシデザイン A4 両面", "点", [45000, 55000], [1, 2], 10),
        ("修正対応（追加分）", "時間", [5000], [2, 3, 4], 10),
    ],
    "garden": [
        ("植木剪定作業", "人工", [25000, 28000], range(1, 5), 10),
        ("芝刈り・除草", "㎡", [150, 180], [60, 100, 150], 10),
        ("処分費（剪定枝）", "式", [8000], [1], 10),
    ],
}

SUBJECTS = {
    "food": "{m}月分 食材納品代金", "it": "{m}月分 Webサイト保守・追加開発",
    "print": "会社案内パンフレット印刷", "catering": "{m}月 会議用弁当ご注文分",
    "office": "{m}月分 事務用品", "cleaning": "{m}月分 清掃業務委託料",
    "translation": "技術マニュアル翻訳", "transport": "{m}月分 運送料",
    "produce": "{m}月分 青果納品代金", "bakery": "{m}月分 パン納品代金",
    "lease": "{m}月分 複合機リース・保守料", "consulting": "{m}月分 コンサルティング報酬",
    "training": "新入社員研修", "flowers": "{m}月分 生花・植物レンタル",
    "liquor": "{m}月分 酒類・飲料納品", "design": "ロゴ・販促物デザイン制作",
    "garden": "庭木の手入れ作業",
}

TERMS = ["月末締め翌月末払い", "月末締め翌々月10日払い", "20日締め翌月末払い",
         "請求書受領後30日以内", None]

ROUNDING_TEXT = {"floor": "切り捨て", "round": "四捨五入", "ceil": "切り上げ"}


# --- arithmetic ----------------------------------------------------------------

def round_yen(numerator, denominator, how):
    """Round numerator/denominator to whole yen, in integers only."""
    q, r = divmod(numerator, denominator)
    if how == "floor" or r == 0:
        return q
    if how == "ceil":
        return q + 1
    return q + 1 if 2 * r >= denominator else q


def tax_by_rate(items, inclusive, rounding):
    """Sum the lines per rate and compute the tax of each rate once.

    Returns {rate: (taxable amount before tax, tax)}. For tax-inclusive
    prices the tax is the included part: sum * rate / (100 + rate).
    """
    result = {}
    for rate in (10, 8):
        amounts = [it["amount"] for it in items if it["tax_rate"] == rate]
        if not amounts:
            continue
        total = sum(amounts)
        if inclusive:
            tax = round_yen(total * rate, 100 + rate, rounding)
            result[rate] = (total - tax, tax)
        else:
            result[rate] = (total, round_yen(total * rate, 100, rounding))
    return result


# --- text helpers -------------------------------------------------------------

FULLWIDTH = {c: chr(ord(c) + 0xFEE0) for c in map(chr, range(0x21, 0x7F))}
FULLWIDTH["-"] = "－"
FULLWIDTH["¥"] = "￥"


def to_fullwidth(s):
    return "".join(FULLWIDTH.get(c, c) for c in s)


def width(s):
    """Display width in columns: ASCII takes one, everything else two.

    These are the widths the PDF writer gives the glyphs (500 and 1000
    units), so text padded with this function lines up in the PDF. ¥ counts
    two although a terminal shows it in one, because substitute fonts draw
    it full width (IPAGothic under poppler 22.12 does).
    """
    return sum(1 if " " <= c <= "~" else 2 for c in s)


def pad(s, cols, align="left"):
    gap = max(0, cols - width(s))
    return s + " " * gap if align == "left" else " " * gap + s


def comma(n):
    return "{:,}".format(n)


def qty_text(q):
    return str(q) if isinstance(q, int) else ("%g" % q)


class Style:
    """Date, money and digit conventions of one document."""

    def __init__(self, dates, yen, fullwidth=False):
        self.dates = dates          # reiwa, kanji, slash, english
        self.yen = yen              # prefix (¥), fullprefix (￥), suffix (円), english
        self.fullwidth = fullwidth  # full-width digits in the header values

    def z(self, s):
        return to_fullwidth(s) if self.fullwidth else s

    def date(self, iso):
        y, m, d = (int(x) for x in iso.split("-"))
        if self.dates == "reiwa":
            text = "令和%d年%d月%d日" % (y - REIWA_OFFSET, m, d)
        elif self.dates == "kanji":
            text = "%d年%d月%d日" % (y, m, d)
        elif self.dates == "slash":
            text = "%d/%02d/%02d" % (y, m, d)
        else:
            months = ["January", "February", "March", "April", "May", "June", "July",
                      "August", "September", "October", "November", "December"]
            text = "%s %d, %d" % (months[m - 1], d, y)
        return self.z(text)

    def money(self, n):
        if self.yen == "prefix":
            return "¥" + comma(n)
        if self.yen == "fullprefix":
            return "￥" + comma(n)
        if self.yen == "suffix":
            return comma(n) + "円"
        return "JPY " + comma(n)


# --- the invoices ----------------------------------------------------------------

def add_days(iso, days):
    d = datetime.date.fromisoformat(iso) + datetime.timedelta(days=days)
    return d.isoformat()


def month_end(year, month):
    return "%04d-%02d-%02d" % (year, month, calendar.monthrange(year, month)[1])


def make_items(rng, industry, year, month, dated):
    catalog = CATALOG[industry]
    count = rng.randint(2, len(catalog))
    chosen = sorted(rng.sample(range(len(catalog)), count))
    items = []
    for i in chosen:
        desc, unit, prices, quantities, rate = catalog[i]
        price = rng.choice(prices)
        qty = rng.choice(list(quantities))
        amount = qty * price
        assert amount == int(amount), (desc, qty, price)
        day = None
        if dated:
            day = "%04d-%02d-%02d" % (year, month, rng.randint(1, 28))
        items.append({"date": day, "description": desc, "quantity": qty, "unit": unit,
                      "unit_price": price, "amount": int(amount), "tax_rate": rate,
                      "reduced_rate": rate == 8})
    if dated:
        items.sort(key=lambda it: it["date"])
    return items


def build_invoice(rng, n, issuer, recipient, plan):
    # issuer is an index into ISSUERS: its registration number and bank
    # account depend on it alone, so two invoices of one company agree.
    """Return the label: the facts the invoice's text will show."""
    name, kana, postal, address, phone, industry, registered = ISSUERS[issuer]
    year, month = plan["year"], plan["month"]
    issue = month_end(year, month)
    due = plan.get("due", "next_month_end")
    due_date = None
    if due == "next_month_end":
        due_date = month_end(year + month // 12, month % 12 + 1)
    elif due == "30_days":
        due_date = add_days(issue, 30)
    items = make_items(rng, industry, year, month, plan.get("dated", False))
    inclusive = plan.get("inclusive", False)
    rounding = plan.get("rounding", "floor")
    by_rate = tax_by_rate(items, inclusive, rounding)
    subtotal = sum(t for t, _ in by_rate.values())
    tax_total = sum(x for _, x in by_rate.values())

    bank = None
    if plan.get("bank", True):
        bank_name, branches = BANKS[issuer % len(BANKS)]
        bank = {"bank_name": bank_name, "branch_name": branches[issuer % len(branches)],
                "account_type": "当座" if issuer % 5 == 3 else "普通",
                "account_number": "%07d" % (1000003 + 7919 * 1009 * (issuer + 1) % 8999999),
                "account_holder": kana}

    reg = ("T" + fictional_corporate_number(issuer + 11)) if registered else None
    number_format = plan.get("number_format", "INV-{y}{m:02d}-{k:04d}")
    label = {
        "document_title": plan.get("title", "請求書"),
        "is_qualified_invoice": reg is not None,
        "invoice_number": number_format.format(y=year, m=month, k=100 + 37 * n % 900, n=n),
        "issue_date": issue,
        "due_date": due_date,
        "subject": SUBJECTS[industry].format(m=month) if plan.get("subject", True) else None,
        "currency": "JPY",
        "issuer": {"name": name, "registration_number": reg, "postal_code": postal,
                   "address": address, "phone": phone},
        "recipient": {"name": recipient[0], "honorific": recipient[1],
                      "postal_code": recipient[2], "address": recipient[3]},
        "line_items": items,
        "amounts_include_tax": inclusive,
        "subtotal": subtotal,
        "taxable_amount_10": by_rate[10][0] if 10 in by_rate else None,
        "tax_amount_10": by_rate[10][1] if 10 in by_rate else None,
        "taxable_amount_8": by_rate[8][0] if 8 in by_rate else None,
        "tax_amount_8": by_rate[8][1] if 8 in by_rate else None,
        "tax_total": tax_total,
        "total": subtotal + tax_total,
        "tax_rounding": rounding if plan.get("state_rounding", True) else None,
        "payment_terms": plan.get("terms"),
        "bank_account": bank,
        "notes": plan.get("notes"),
    }
    return label


# --- layouts: each turns a label into the document's text lines -------------------

def header_block_ja(label, st, reg_hyphens=False):
    sep = "："
    iss = label["issuer"]
    lines = [iss["name"]]
    if iss["postal_code"]:
        lines.append("〒" + st.z(iss["postal_code"]))
    lines.append(iss["address"])
    lines.append("TEL" + sep + st.z(iss["phone"]) if st.fullwidth else "TEL " + iss["phone"])
    if iss["registration_number"]:
        reg = iss["registration_number"]
        if reg_hyphens:
            reg = "%s%s-%s-%s-%s" % (reg[0], reg[1], reg[2:6], reg[6:10], reg[10:14])
        lines.append("登録番号" + sep + st.z(reg))
    return lines


def recipient_lines_ja(label, st):
    rec = label["recipient"]
    out = [rec["name"] + " " + rec["honorific"]]
    if rec["postal_code"]:
        out.append("〒" + st.z(rec["postal_code"]) + " " + rec["address"])
    return out


def item_rows_table(label, st, with_date, mark):
    head = []
    if with_date:
        head.append(pad("日付", 11))
    head += [pad("品名", 40), pad("数量", 8, "right"), pad("  単位", 6),
             pad("単価", 9, "right"), pad("金額", 11, "right")]
    rows = ["".join(head)]
    for it in label["line_items"]:
        desc = it["description"]
        if it["reduced_rate"] and mark:
            desc = mark + desc
        cells = []
        if with_date:
            y, m, d = it["date"].split("-")
            cells.append(pad("%s/%s/%s" % (y, m, d), 11))
        cells += [pad(desc, 40), pad(qty_text(it["quantity"]), 8, "right"),
                  pad("  " + it["unit"], 6), pad(comma(it["unit_price"]), 9, "right"),
                  pad(comma(it["amount"]), 11, "right")]
        rows.append("".join(cells))
    return rows


def summary_lines_ja(label, st, show_zero):
    out = []
    incl = label["amounts_include_tax"]
    out.append(pad("小計（税抜）" if incl else "小計", 36) + pad(st.money(label["subtotal"]), 14, "right"))
    for rate, taxable_key, tax_key in ((10, "taxable_amount_10", "tax_amount_10"),
                                       (8, "taxable_amount_8", "tax_amount_8")):
        taxable, tax = label[taxable_key], label[tax_key]
        if taxable is None and not show_zero:
            continue
        taxable = taxable or 0
        tax = tax or 0
        name = "10%対象" if rate == 10 else "8%対象（軽減税率）"
        if incl:
            out.append(pad(name + " 税込", 20) + pad(st.money(taxable + tax), 12, "right")
                       + "  (税抜 " + st.money(taxable) + "  内消費税 " + st.money(tax) + ")")
        else:
            out.append(pad(name, 20) + pad(st.money(taxable), 12, "right")
                       + "  消費税 " + pad(st.money(tax), 10, "right"))
    out.append(pad("消費税合計", 36) + pad(st.money(label["tax_total"]), 14, "right"))
    out.append(pad("合計（税込）", 36) + pad(st.money(label["total"]), 14, "right"))
    return out


def rounding_line_ja(label):
    how = label["tax_rounding"]
    if how is None:
        return []
    verb = {"floor": "切り捨てて", "round": "四捨五入して", "ceil": "切り上げて"}[how]
    return ["消費税は税率ごとに合計した金額から計算し、1円未満を%sいます。" % verb]


def bank_lines_ja(label, st, compact):
    b = label["bank_account"]
    if b is None:
        return []
    if compact:
        return ["お振込先：%s %s %s %s" % (b["bank_name"], b["branch_name"], b["account_type"],
                                       st.z(b["account_number"])),
                "口座名義：" + b["account_holder"]]
    return ["【お振込先】",
            "  銀行名　　" + b["bank_name"],
            "  支店名　　" + b["branch_name"],
            "  口座種別　" + b["account_type"] + "預金",
            "  口座番号　" + st.z(b["account_number"]),
            "  口座名義　" + b["account_holder"]]


def notes_lines_ja(label):
    if not label["notes"]:
        return []
    return ["備考："] + label["notes"].split("\n")


def layout_table(label, st, opts):
    """Write a printed invoice as OCR keeps it: aligned columns, issuer at the right."""
    L = []
    L.append(" " * 36 + label["document_title"])
    L.append("")

    L.append(pad("", 52) + "請求書番号：" + st.z(label["invoice_number"]))
    L.append(pad("", 52) + "発行日：" + st.date(label["issue_date"]))
    L.append("")
    L += recipient_lines_ja(label, st)
    L.append("")
    if label["subject"]:
        L.append("件名：" + label["subject"])
    L.append("下記のとおりご請求申し上げます。")
    L.append("")
    due_sign = "" if st.yen == "suffix" else "－"
    L.append("ご請求金額　" + st.money(label["total"]) + due_sign + "（税込）")
    if label["due_date"]:
        L.append("お支払期限：" + st.date(label["due_date"]))
    L.append("")
    for line in header_block_ja(label, st, opts.get("reg_hyphens", False)):
        L.append(pad("", 52) + line)
    L.append("")

    rule = "-" * 85
    L.append(rule)
    L += item_rows_table(label, st, opts.get("with_date", False), "※")
    L.append(rule)
    for line in summary_lines_ja(label, st, opts.get("show_zero", False)):
        L.append(pad("", 35) + line)
    L.append("")

    if any(it["reduced_rate"] for it in label["line_items"]):
        L.append("※印は軽減税率（8%）対象品目です。")
    if label["amounts_include_tax"]:
        L.append("単価・金額は消費税込みの表示です。")
    L += rounding_line_ja(label)
    if label["payment_terms"]:
        L.append("お支払条件：" + label["payment_terms"])
    L.append("")
    L += bank_lines_ja(label, st, compact=opts.get("compact_bank", True))
    if label["notes"]:
        L.append("")
        L += notes_lines_ja(label)
    return L


def layout_cells(label, st, opts):
    """Write the invoice as OCR that broke the table apart: one cell per line."""
    def money(n):
        return st.z(st.money(n))

    assert not label["amounts_include_tax"], "the cells layout writes tax-exclusive sums only"
    L = [label["document_title"], "No." + st.z(label["invoice_number"]), st.date(label["issue_date"]), ""]
    L += recipient_lines_ja(label, st)
    if label["subject"]:
        L.append("件名 " + label["subject"])
    L.append("")
    L += header_block_ja(label, st, opts.get("reg_hyphens", False))
    L.append("")
    L.append("ご請求金額")
    L.append(money(label["total"]))
    if label["due_date"]:
        L.append("お振込期限")
        L.append(st.date(label["due_date"]))
    L.append("")
    L += ["品番・品名", "数量", "単位", "単価", "金額", "税率"]
    for it in label["line_items"]:
        L.append(it["description"] + (" 軽" if it["reduced_rate"] else ""))
        L.append(st.z(qty_text(it["quantity"])))
        L.append(it["unit"])
        L.append(st.z(comma(it["unit_price"])))
        L.append(st.z(comma(it["amount"])))
        L.append(st.z("%d%%" % it["tax_rate"]))
    L.append("")
    L.append("小計")
    L.append(money(label["subtotal"]))
    for rate in (10, 8):
        taxable = label["taxable_amount_%d" % rate]
        if taxable is None:
            continue
        L.append(st.z("%d%%対象" % rate))
        L.append(money(taxable))
        L.append("消費税")
        L.append(money(label["tax_amount_%d" % rate]))
    L.append("消費税計")
    L.append(money(label["tax_total"]))
    L.append("合計")
    L.append(money(label["total"]))
    if any(it["reduced_rate"] for it in label["line_items"]):
        L.append("「軽」は軽減税率対象")
    if label["tax_rounding"]:
        L.append("消費税端数処理：" + ROUNDING_TEXT[label["tax_rounding"]])
    if label["payment_terms"]:
        L.append("支払条件：" + label["payment_terms"])
    L.append("")
    L += bank_lines_ja(label, st, compact=True)
    if label["notes"]:
        L += notes_lines_ja(label)
    return L


def layout_simple(label, st, opts):
    """Write a short invoice from a small business that is not a registered issuer."""
    assert not label["amounts_include_tax"], "the simple layout writes tax-exclusive sums only"
    assert label["taxable_amount_8"] is None, "the simple layout writes one 10% sum only"
    L = ["【 " + label["document_title"] + " 】", ""]
    L.append(pad(label["recipient"]["name"] + " " + label["recipient"]["honorific"], 50)
             + st.date(label["issue_date"]))
    if label["recipient"]["postal_code"]:
        L.append("〒" + st.z(label["recipient"]["postal_code"]) + " " + label["recipient"]["address"])
    L.append(pad("", 50) + "No. " + st.z(label["invoice_number"]))
    L.append("")
    for line in header_block_ja(label, st, opts.get("reg_hyphens", False)):
        L.append(pad("", 50) + line)
    L.append("")
    if label["subject"]:
        L.append("件名：" + label["subject"])
    L.append("合計金額　" + st.money(label["total"]) + "（税込）")
    L.append("")

    L.append(pad("内容", 44) + pad("数量", 10, "right") + pad("単価", 10, "right") + pad("金額", 12, "right"))
    for it in label["line_items"]:
        L.append(pad(it["description"], 44) + pad(qty_text(it["quantity"]) + it["unit"], 10, "right")
                 + pad(comma(it["unit_price"]), 10, "right") + pad(comma(it["amount"]), 12, "right"))
    L.append("")
    L.append(pad("", 44) + pad("小計", 10) + pad(st.money(label["subtotal"]), 22, "right"))
    L.append(pad("", 44) + pad("消費税(10%)", 10) + pad(st.money(label["tax_total"]), 22, "right"))
    L.append(pad("", 44) + pad("合計", 10) + pad(st.money(label["total"]), 22, "right"))
    L.append("")

    if label["due_date"]:
        L.append("お支払期限　" + st.date(label["due_date"]))
    L += rounding_line_ja(label)
    L += bank_lines_ja(label, st, compact=False)
    if label["notes"]:
        L.append("")
        L += notes_lines_ja(label)
    return L


def layout_english(label, st, opts):
    iss, rec = label["issuer"], label["recipient"]
    L = [label["document_title"], ""]
    L.append(iss["name"])
    L.append(iss["address"])
    L.append("Tel: " + iss["phone"])
    if iss["registration_number"]:
        L.append("Registration No.: " + iss["registration_number"])
    L.append("")
    L.append(pad("Bill to:", 50) + "Invoice No.: " + label["invoice_number"])
    L.append(pad(rec["name"], 50) + "Date: " + st.date(label["issue_date"]))
    L.append(pad(rec["address"], 50) + "Due date: " + st.date(label["due_date"]))
    if rec["postal_code"]:
        L.append(pad(rec["postal_code"], 50))
    L.append("")
    if label["subject"]:
        L.append("Subject: " + label["subject"])
        L.append("")

    L.append(pad("Description", 40) + pad("Qty", 8, "right") + pad("Unit", 8, "right")
             + pad("Unit price", 14, "right") + pad("Amount", 14, "right"))
    L.append("-" * 84)
    for it in label["line_items"]:
        desc = it["description"] + (" *" if it["reduced_rate"] else "")
        L.append(pad(desc, 40) + pad(qty_text(it["quantity"]), 8, "right") + pad(it["unit"], 8, "right")
                 + pad(comma(it["unit_price"]), 14, "right") + pad(comma(it["amount"]), 14, "right"))
    L.append("-" * 84)

    L.append(pad("", 44) + pad("Subtotal", 20) + pad(st.money(label["subtotal"]), 20, "right"))
    for rate in (10, 8):
        if label["taxable_amount_%d" % rate] is None:
            continue
        L.append(pad("", 44) + pad("Taxable at %d%%" % rate, 20)
                 + pad(st.money(label["taxable_amount_%d" % rate]), 20, "right"))
        L.append(pad("", 44) + pad("Consumption tax %d%%" % rate, 20)
                 + pad(st.money(label["tax_amount_%d" % rate]), 20, "right"))
    L.append(pad("", 44) + pad("Total tax", 20) + pad(st.money(label["tax_total"]), 20, "right"))
    L.append(pad("", 44) + pad("TOTAL DUE", 20) + pad(st.money(label["total"]), 20, "right"))
    L.append("")

    if any(it["reduced_rate"] for it in label["line_items"]):
        L.append("* Reduced tax rate (8%) item.")
    if label["tax_rounding"]:
        L.append("Consumption tax is computed per rate on the invoice total and "
                 + {"floor": "rounded down", "round": "rounded to the nearest yen",
                    "ceil": "rounded up"}[label["tax_rounding"]] + ".")
    if label["payment_terms"]:
        L.append("Payment terms: " + label["payment_terms"])
    b = label["bank_account"]
    if b:
        L.append("")
        L.append("Bank details")
        L.append("  Bank: " + b["bank_name"])
        L.append("  Branch: " + b["branch_name"])
        L.append("  Account type: " + {"普通": "Ordinary (Futsu)", "当座": "Current (Toza)"}[b["account_type"]])
        L.append("  Account No.: " + b["account_number"])
        L.append("  Account name: " + b["account_holder"])
    if label["notes"]:
        L.append("")
        L.append("Notes:")
        L += label["notes"].split("\n")
    return L


LAYOUTS = {"table": layout_table, "cells": layout_cells, "simple": layout_simple,
           "english": layout_english}


# --- the plan: one entry per document --------------------------------------------
#
# Each entry picks an issuer, a recipient, a layout and style choices. The
# choices vary the set: era or western dates, ¥ ￥ or 円, full-width digits,
# dated lines, tax-inclusive prices, the stated rounding, and whether the
# invoice is a qualified one.

NOTES = [
    "振込手数料は貴社にてご負担くださいますようお願いいたします。",
    "いつもお引き立ていただきありがとうございます。\n納品書は別途お送りしております。",
    "本請求書に関するお問い合わせは経理部までご連絡ください。",
    "お支払期限までにお振込みくださいますようお願い申し上げます。",
    None,
]


def make_plans():
    plans = []
    layouts = ["table", "table", "cells", "table", "cells"]
    # Invoices 16 to 24: issuers 15 and 16 are not registered, so their
    # invoices (16, 19, 22, 24) are ordinary invoices, not qualified ones.
    later_issuers = [15, 0, 3, 16, 8, 9, 15, 1, 16]
    dates = ["reiwa", "kanji", "slash", "reiwa", "kanji", "reiwa"]
    yens = ["prefix", "fullprefix", "suffix", "prefix", "suffix", "fullprefix"]
    roundings = ["floor", "floor", "round", "floor", "ceil", "floor"]
    for k in range(24):
        issuer = k if k < 15 else later_issuers[k - 15]
        registered = ISSUERS[issuer][6]
        inclusive = k in (3, 10, 19)
        layout = layouts[k % len(layouts)]
        if not registered:
            layout = "simple"
        elif inclusive:
            layout = "table"

        plan = {
            "id": "inv-ja-%02d" % (k + 1),
            "issuer": issuer,
            "recipient": (k * 5) % len(RECIPIENTS),
            "layout": layout,
            "style": Style(dates[k % 6], yens[(k + k // 6) % 6], fullwidth=(k % 4 == 2)),
            "year": 2024 if k < 16 else 2025,
            "month": 1 + (k * 7) % 12,
            "dated": k % 3 == 0,
            "inclusive": inclusive,
            "rounding": roundings[k % 6],
            "state_rounding": k % 8 != 5,
            "show_zero": k % 5 == 1,
            "compact_bank": k % 2 == 0,
            "terms": TERMS[k % len(TERMS)],
            "notes": NOTES[k % len(NOTES)],
            "due": ["next_month_end", "30_days", "next_month_end", None][k % 4],
            "bank": k != 7,
            "subject": k % 7 != 4,
            "title": "適格請求書" if (registered and k % 9 == 2) else "請求書",
            "number_format": ["INV-{y}{m:02d}-{k:04d}", "{y}-{m:02d}{k:03d}", "{k:06d}",
                              "R{m:02d}-{k}", "SK{y}{m:02d}{n:02d}"][k % 5],
            "reg_hyphens": k % 6 == 4,
        }
        plans.append(plan)

    # Two English invoices from Japanese companies to foreign-affiliated clients.
    plans.append({"id": "inv-en-01", "issuer": 6, "recipient": 3, "layout": "english",
                  "style": Style("english", "english"), "year": 2024, "month": 11,
                  "rounding": "floor", "terms": "Net 30", "due": "30_days",
                  "title": "INVOICE", "number_format": "KT-{y}-{k:04d}",
                  "notes": "Please quote the invoice number with your payment."})
    plans.append({"id": "inv-en-02", "issuer": 4, "recipient": 6, "layout": "english",
                  "style": Style("english", "english"), "year": 2025, "month": 2,
                  "rounding": "round", "terms": "Due at the end of the following month",
                  "due": "next_month_end", "title": "TAX INVOICE",
                  "number_format": "OK{y}{m:02d}-{k}", "notes": None})
    return plans


ENGLISH_NAMES = {
    # Issuers and recipients of the English invoices, written in English.
    6: ("Kotonoha Translation Co., Ltd.", "9-2-8 Kanda Ogawamachi, Chiyoda-ku, Tokyo",
        "KOTONOHA TRANSLATION CO.LTD"),
    4: ("Office Kaede Co., Ltd.", "9-7-1 Hakata Ekimae, Hakata-ku, Fukuoka",
        "OFFICE KAEDE CO.LTD"),
}
ENGLISH_RECIPIENTS = {
    3: ("Green Terrace Inc.", "9-25 Yamashita-cho, Naka-ku, Yokohama, Kanagawa"),
    6: ("Hokuto Holdings K.K.", "9-7 Kita 5-jo Nishi, Chuo-ku, Sapporo, Hokkaido"),
}
ENGLISH_ITEMS = {
    "translation": {"翻訳（日→英）技術文書": ("Translation JA to EN, technical", "chars"),
                    "ネイティブチェック": ("Native speaker review", "hours"),
                    "DTP編集": ("Desktop publishing", "pages")},
    "office": {"コピー用紙 A4 5000枚": ("Copy paper A4, 5000 sheets", "box"),
               "ゲルインクボールペン 黒": ("Gel ink pen, black", "pcs"),
               "クリアファイル A4 10枚組": ("Clear folder A4, pack of 10", "pack"),
               "コーヒー豆 500g": ("Coffee beans 500g", "bag"),
               "ミネラルウォーター 2L×6本": ("Mineral water 2L x 6", "case")},
}
ENGLISH_BRANCHES = {
    "本店営業部": "Head Office", "中央支店": "Chuo Branch", "駅前支店": "Ekimae Branch",
    "東京営業部": "Tokyo Main Office", "港北支店": "Kohoku Branch", "梅田支店": "Umeda Branch",
    "栄支店": "Sakae Branch", "天神支店": "Tenjin Branch", "大通支店": "Odori Branch",
    "本店": "Head Office", "西口支店": "Nishiguchi Branch", "丸の内支店": "Marunouchi Branch",
    "三宮支店": "Sannomiya Branch", "那覇支店": "Naha Branch",
}
ENGLISH_SUBJECTS = {"translation": "Translation of technical manual",
                    "office": "Office supplies, {mon} {y}"}


def englishify(label, plan):
    """Rewrite a label built from the Japanese pools into English wording."""
    iss = ISSUERS[plan["issuer"]]
    name, address, holder = ENGLISH_NAMES[plan["issuer"]]
    label["issuer"].update({"name": name, "address": address, "postal_code": None,
                            "phone": "+81-" + iss[4][1:]})
    rname, raddress = ENGLISH_RECIPIENTS[plan["recipient"]]
    label["recipient"] = {"name": rname, "honorific": None, "postal_code": None, "address": raddress}
    table = ENGLISH_ITEMS[iss[5]]
    for it in label["line_items"]:
        it["description"], it["unit"] = table[it["description"]]
    months = ["January", "February", "March", "April", "May", "June", "July", "August",
              "September", "October", "November", "December"]
    label["subject"] = ENGLISH_SUBJECTS[iss[5]].format(mon=months[plan["month"] - 1], y=plan["year"])
    if label["bank_account"]:
        label["bank_account"]["account_holder"] = holder
        label["bank_account"]["bank_name"] = {"みずなみ銀行": "Mizunami Bank", "さくら野銀行": "Sakurano Bank",
                                              "ひかり台銀行": "Hikaridai Bank", "かえで台信用金庫": "Kaededai Shinkin Bank",
                                              "しろがね銀行": "Shirogane Bank"}[label["bank_account"]["bank_name"]]
        label["bank_account"]["branch_name"] = ENGLISH_BRANCHES[label["bank_account"]["branch_name"]]


def drop_unprinted(label, layout, opts, text):
    """Clear label values the rendered invoice does not show.

    A reference label may only hold what a reader can find on the page, so
    line dates outside the dated table layout, and payment terms the layout
    left out, become null.
    """
    if not (layout == "table" and opts["with_date"]):
        for item in label["line_items"]:
            item["date"] = None
    if label["payment_terms"] and label["payment_terms"] not in text:
        label["payment_terms"] = None


def generate(out_dir):
    rng = random.Random(SEED)
    documents, labels = [], []
    for n, plan in enumerate(make_plans()):
        recipient = RECIPIENTS[plan["recipient"]]
        label = build_invoice(rng, n, plan["issuer"], recipient, plan)
        if plan["layout"] == "english":
            englishify(label, plan)
        opts = {"with_date": plan.get("dated", False), "show_zero": plan.get("show_zero", False),
                "compact_bank": plan.get("compact_bank", True),
                "reg_hyphens": plan.get("reg_hyphens", False)}
        lines = LAYOUTS[plan["layout"]](label, plan["style"], opts)
        text = "\n".join(line.rstrip() for line in lines) + "\n"
        drop_unprinted(label, plan["layout"], opts, text)

        name = plan["id"]
        with open(os.path.join(out_dir, name + ".txt"), "w", encoding="utf-8", newline="\n") as f:
            f.write(text)
        with open(os.path.join(out_dir, name + ".pdf"), "wb") as f:
            f.write(pdf_document(text.rstrip("\n").split("\n"), title=label["invoice_number"]))
        with open(os.path.join(out_dir, name + ".label.json"), "w", encoding="utf-8", newline="\n") as f:
            f.write(json.dumps(label, ensure_ascii=False, indent=2) + "\n")
        documents.append({"id": name, "text": text, "attachments": [name + ".pdf"]})
        labels.append({"id": name, "output": label})

    for file_name, records in (("documents.jsonl", documents), ("labels.jsonl", labels)):
        with open(os.path.join(out_dir, file_name), "w", encoding="utf-8", newline="\n") as f:
            for rec in records:
                f.write(json.dumps(rec, ensure_ascii=False, separators=(",", ":")) + "\n")
    return len(documents)


# --- a small PDF writer -----------------------------------------------------------
#
# The font is a Type0 font over the CIDFont KozMinPr6N-Regular
# (Adobe-Japan1). It is named but not embedded, so a reader substitutes an
# installed Japanese font, and each file stays a few kilobytes. The
# encoding is the predefined CMap UniJIS-UCS2-HW-H: text strings are UTF-16BE
# (UCS-2, so characters beyond U+FFFF cannot be written), and unlike
# UniJIS-UCS2-H it maps ASCII to the half-width CIDs 231 to 325, whose width
# is 500. Every other glyph used here gets 1000, ¥ (CID 291) included, for
# the reason given at width(). Those are the widths width() counts in.
# A /ToUnicode CMap maps each code back to itself, because a string code
# here is the character's UTF-16BE value; without it poppler 22.12 extracts the
# half-width hyphen as U+2011 and the space as U+00A0.

PAGE_W, PAGE_H = 595, 842          # A4 in points
MARGIN_X, MARGIN_TOP = 42, 52
FONT_SIZE, LEADING = 9, 13
LINES_PER_PAGE = int((PAGE_H - 2 * MARGIN_TOP) / LEADING)


def pdf_hex(s):
    for c in s:
        if ord(c) > 0xFFFF:
            raise ValueError("character beyond U+FFFF cannot be encoded in UCS-2: %r" % c)
    return "<" + s.encode("utf-16-be").hex().upper() + ">"


def pdf_to_unicode(lines):
    """Return an identity ToUnicode CMap for the high bytes the lines use."""
    high = sorted({ord(c) >> 8 for line in lines for c in line})
    ranges = ["<%02X00> <%02XFF> <%02X00>" % (h, h, h) for h in high]
    body = ["/CIDInit /ProcSet findresource begin", "12 dict begin", "begincmap",
            "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def",
            "/CMapName /Adobe-Identity-UCS def", "/CMapType 2 def",
            "1 begincodespacerange", "<0000> <FFFF>", "endcodespacerange"]
    # A bfrange block holds at most 100 entries.
    for i in range(0, len(ranges), 100):
        chunk = ranges[i:i + 100]
        body += ["%d beginbfrange" % len(chunk)] + chunk + ["endbfrange"]
    body += ["endcmap", "CMapName currentdict /CMap defineresource pop", "end", "end"]
    return "\n".join(body).encode("ascii")


def pdf_runs(line):
    """Split a line into (column, text) runs of non-space characters.

    Spaces are not drawn but become the gap between runs, because the
    half-width space (CID 231) has no glyph in some substitute fonts and
    shows as a box there.
    """
    runs, col, start, text = [], 0, None, ""
    for c in line:
        if c == " ":
            if text:
                runs.append((start, text))
                text = ""
        else:
            if not text:
                start = col
            text += c
        col += width(c)
    if text:
        runs.append((start, text))
    return runs


def pdf_page_content(lines):
    column = FONT_SIZE / 2   # a half-width glyph is 500/1000 of the font size
    ops = ["BT", "/F1 %d Tf" % FONT_SIZE]
    for row, line in enumerate(lines):
        y = PAGE_H - MARGIN_TOP - row * LEADING
        for col, text in pdf_runs(line):
            ops.append("1 0 0 1 %g %g Tm %s Tj" % (MARGIN_X + col * column, y, pdf_hex(text)))
    ops.append("ET")
    return "\n".join(ops).encode("ascii")


def pdf_document(lines, title):
    pages = [lines[i:i + LINES_PER_PAGE] for i in range(0, max(1, len(lines)), LINES_PER_PAGE)]
    objects = []   # bodies, object number = index + 1

    def add(body):
        objects.append(body)
        return len(objects)

    catalog = add(None)
    page_tree = add(None)
    cmap = zlib.compress(pdf_to_unicode(lines), 9)
    to_unicode = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(cmap) + cmap
                     + b"\nendstream")
    font = add(b"<< /Type /Font /Subtype /Type0 /BaseFont /KozMinPr6N-Regular"
               b" /Encoding /UniJIS-UCS2-HW-H /DescendantFonts [%d 0 R] /ToUnicode %d 0 R >>"
               % (len(objects) + 2, to_unicode))
    add(b"<< /Type /Font /Subtype /CIDFontType0 /BaseFont /KozMinPr6N-Regular"
        b" /CIDSystemInfo << /Registry (Adobe) /Ordering (Japan1) /Supplement 6 >>"
        b" /FontDescriptor %d 0 R /DW 1000 /W [231 290 500 292 325 500] >>" % (len(objects) + 2))
    add(b"<< /Type /FontDescriptor /FontName /KozMinPr6N-Regular /Flags 6"
        b" /FontBBox [-437 -340 1147 1317] /ItalicAngle 0 /Ascent 1317 /Descent -349"
        b" /CapHeight 742 /StemV 80 >>")
    kids = []
    for page_lines in pages:
        data = zlib.compress(pdf_page_content(page_lines), 9)
        content = add(b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(data) + data + b"\nendstream")
        kids.append(add(b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 %d %d]"
                        b" /Resources << /Font << /F1 %d 0 R >> >> /Contents %d 0 R >>"
                        % (page_tree, PAGE_W, PAGE_H, font, content)))
    objects[catalog - 1] = b"<< /Type /Catalog /Pages %d 0 R >>" % page_tree
    objects[page_tree - 1] = (b"<< /Type /Pages /Kids [" + b" ".join(b"%d 0 R" % k for k in kids)
                              + b"] /Count %d >>" % len(kids))
    # Text strings outside content streams need the byte order mark to be read as UTF-16BE.
    info = add(b"<< /Title " + pdf_hex("\ufeff" + title).encode("ascii")
               + b" /Producer (share/examples/invoices/generate.py) >>")

    out = bytearray(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    for off in offsets:
        out += b"%010d 00000 n \n" % off
    out += (b"trailer\n<< /Size %d /Root %d 0 R /Info %d 0 R >>\nstartxref\n%d\n%%%%EOF\n"
            % (len(objects) + 1, catalog, info, xref))
    return bytes(out)


def main(argv):
    out_dir = argv[1] if len(argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    count = generate(out_dir)
    print("wrote %d invoices to %s" % (count, out_dir))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
