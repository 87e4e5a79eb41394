"""本メモの日本語の文章（経営層向け）。

数値はすべて文脈 ``c`` を通して入り、英語版と同じキーを引用する。確率は IPCC 第5次評価報告書の
可能性の表現（環境省などの政府訳の用語）に、数値とモンテカルロ誤差を必ず添えて示す。金額は
3 桁の有効数字で万・億・兆を用いる（英語版の ``USD 478k`` は ``47.8万ドル``）。図のラベルは
英語のまま（日本語フォントを前提としないため）で、その旨を本文に記す。

The Japanese texts of the memo, with the same structure and the same cited keys as
:mod:`.wording_en`.
"""

from __future__ import annotations

import re

from ..decision import DO_NOTHING
from ..decision.wording import likelihood_term

LANG = "ja"

#: IPCC AR5 の可能性の表現（政府訳）: 英語の用語 -> (日本語の用語, 確率の範囲)
TERMS = {
    "virtually certain": ("ほぼ確実", "99〜100%"),
    "extremely likely": ("可能性が極めて高い", "95〜100%"),
    "very likely": ("可能性が非常に高い", "90〜100%"),
    "likely": ("可能性が高い", "66〜100%"),
    "more likely than not": ("どちらかと言えば可能性が高い", "50%超〜100%"),
    "about as likely as not": ("どちらも同程度", "33〜66%"),
    "unlikely": ("可能性が低い", "0〜33%"),
    "very unlikely": ("可能性が非常に低い", "0〜10%"),
    "extremely unlikely": ("可能性が極めて低い", "0〜5%"),
    "exceptionally unlikely": ("ほぼあり得ない", "0〜1%"),
}

T = {
    "box": "推定が収束していません：意思決定に関わる数値の記載を差し控えます",
    "headline": "1. 要旨",
    "forecast": "2. 予測：規模に対する損失",
    "roi": "3. 各案の投資収益率（ROI）",
    "ladder": "4. 規模の段階比較（スケールラダー）",
    "drivers": "5. 結果を左右する要因と、追加情報の価値",
    "assumptions": "6. 前提条件",
    "diagnostics": "7. 診断と来歴",
    "appendix": "付録：本メモに記載した全数値",
}

ALT = {
    "fan": "規模に対する予測損失のファンチャート（観測実績と候補案を表示）",
    "roi": "各案の投資収益率の分位ドットプロット",
    "ladder": "規模ごとの各案の期待純便益",
    "acceptability": "各案の受容性曲線",
    "tornado": "期待純便益を左右する要因のトルネード図",
}

YES, NO = "はい", "いいえ"
NEVER = "なし（期待される改善なし）"
ALL_PLANS = "全案"
NOT_RECORDED = "記録なし"

_CURRENCY = {"USD": "ドル", "JPY": "円", "EUR": "ユーロ", "GBP": "ポンド", "CNY": "人民元"}

_LABELS = {
    "cost.gpu": "GPU（アクセラレータ）",
    "cost.peak_flops": "GPU1基あたりのピーク性能（FLOP/s）",
    "cost.usd_per_gpu_hour": "GPU1時間あたりの単価",
    "cost.mfu": "モデルFLOPs利用率（MFU）",
    "cost.fixed_usd": "固定費（データ整備・人件費・運用）",
    "cost.power_kw": "GPU1基あたりの消費電力（kW）",
    "cost.pue": "データセンターのPUE",
    "cost.grid_gco2_per_kwh": "電力のCO2排出係数（gCO2e/kWh）",
    "cost.usd_per_kwh": "電力単価（1kWhあたり）",
    "cost.usd_per_tonne_co2e": "炭素価格（CO2e 1トンあたり）",
    "value.usd_per_loss_unit": "損失1単位の低減あたりの価値",
    "value.usd_if_met": "目標達成時の価値",
    "value.horizon_years": "価値が生じる期間（年）",
    "value.discount_rate": "割引率（年率）",
    "value.baseline_loss": "基準損失（現行モデル）",
    "value.target_loss": "目標損失",
    "value.partial_from": "部分的な価値が生じ始める損失",
    "value.floor_at_zero": "現行より劣るモデルの価値を0とする",
    "value.description": "価値関数",
    "value.model": "価値モデル",
    "currency": "通貨",
    "loss": "予測損失（スケーリング則）",
}

_VALUE_MODELS = {
    "LinearValue": "価値 ＝ 損失1単位の低減あたりの金額 ×（基準損失 − 予測損失）",
    "TargetValue": "予測損失が目標に達した場合に一定額",
    "CallableValue": "利用者が定義した、予測損失の関数",
}

_PRIOR_MEANING = {
    "E_fraction": "削減できない損失Eの、観測最小損失に対する比",
    "a": "パラメータ項の、基準規模での削減可能な損失（相対値）",
    "b": "トークン項の、基準規模での削減可能な損失（相対値）",
    "alpha": "第1のべき乗項の指数",
    "beta": "トークン項の指数",
    "sigma": "学習ごとの対数損失のばらつき（相対）",
    "nu": "ノイズのStudent-t分布の自由度",
    "alpha_after": "折れ点より後の指数",
    "log_break": "折れ点の規模（基準規模に対する対数）",
    "sharpness": "折れ点の滑らかさ",
}

_PROVENANCE = {
    "data_source": "データの出所",
    "n_runs": "当てはめた実績（行）数",
    "runs_sha256": "当てはめた実績のSHA-256（正規化CSV）",
    "data_file": "データファイル",
    "data_file_sha256": "データファイルのSHA-256",
    "law": "スケーリング則",
    "law_formula": "式",
    "loss_unit": "損失の単位",
    "sampler": "サンプラー",
    "chains": "チェーン数",
    "draws_per_chain": "チェーンあたりのサンプル数",
    "tune": "チェーンあたりの調整ステップ数",
    "fit_random_seed": "推定の乱数シード",
    "fit_created_at": "推定の実行日時",
    "risk_seed_entropy": "リスク分析の乱数シード",
    "joint_draws": "リスク分析の同時サンプル数",
    "scaling_bayes_version": "scaling_bayes のバージョン",
    "pymc_version": "PyMC のバージョン",
    "arviz_version": "ArviZ のバージョン",
    "python_version": "Python のバージョン",
    "memo_date": "作成日",
}


def _per(c) -> str:
    unit = f"損失1単位あたり・{_currency(c.v('currency')).strip()}"
    return unit + ("・年あたり" if c.book.get("acceptability.per_year") else "")


H = {
    "number": "#",
    "plan": "案",
    "params": "パラメータ数 N",
    "tokens": "トークン数 D",
    "compute": "計算量（FLOPs）",
    "ratio": "最大実績比",
    "loss": lambda c: f"損失：中央値（{c.pct('interval_prob')}区間）",
    "p_threshold": lambda c: f"P(ROI > {c.threshold()})",
    "p_break_even": "P(ROI > 0)",
    "var": lambda c: f"VaR {c.pct('var_level')}",
    "cvar": lambda c: f"CVaR {c.pct('var_level')}",
    "cost": "期待コスト",
    "value": "期待価値",
    "nb": lambda c: f"期待純便益（{c.pct('interval_prob')}区間）",
    "p_best": "P(最善)",
    "marginal": "dE[NB]/dE[C]",
    "p_step": "P(段階が有利)",
    "stop": "打ち止め点",
    "break_even": lambda c: f"損益分岐となる価値（{_per(c)}）",
    "input": "入力",
    "at_low": lambda c: f"{c.pct('tornado.low')}点の入力値",
    "at_high": lambda c: f"{c.pct('tornado.high')}点の入力値",
    "nb_at_low": lambda c: f"{c.pct('tornado.low')}点のE[NB]",
    "nb_at_high": lambda c: f"{c.pct('tornado.high')}点のE[NB]",
    "swing": "振れ幅",
    "plans": "対象案",
    "assumed": "値または分布",
    "source": "出典",
    "date": "日付",
    "parameter": "パラメータ",
    "prior": "事前分布",
    "meaning": "意味",
    "override": "プリセットから変更",
    "ess_bulk": "バルクESS",
    "ess_tail": "テールESS",
    "ok": "合格",
    "mean": "平均",
    "hdi": lambda c: f"{c.pct('law.hdi_prob')}最高密度区間",
    "item": "項目",
    "record": "記録",
    "key": "キー",
    "full_value": "値",
    "unit": "単位",
    "from": "読み取り元",
}


# ---------------------------------------------------------------------- formats
def _currency(code: str) -> str:
    return _CURRENCY.get(code, f" {code}")


def _japanese_number(x: float) -> str:
    """3 significant digits with 万・億・兆: 478000 -> '47.8万', 1.5e6 -> '150万'."""
    sign = "-" if x < 0 else ""
    x = float(f"{abs(x):.3g}")
    for div, suffix in ((1e12, "兆"), (1e8, "億"), (1e4, "万")):
        if x >= div:
            q = x / div
            return f"{sign}{q:,.0f}{suffix}" if q >= 1000 else f"{sign}{q:.3g}{suffix}"
    if x >= 1000:
        return f"{sign}{x:,.0f}"
    return f"{sign}{x:.3g}"


def money(x, currency: str) -> str:
    """``47.8万ドル``, ``-18.1万ドル``, ``3億円``.

    Examples
    --------
    >>> money(478_000, "USD"), money(-181_309, "USD"), money(3e8, "JPY"), money(430, "USD")
    ('47.8万ドル', '-18.1万ドル', '3億円', '430ドル')
    >>> money(-1.3e7, "JPY"), money(9_996_000, "USD")
    ('-1,300万円', '1,000万ドル')
    """
    if x is None:
        return "—"
    return f"{_japanese_number(x)}{_currency(currency)}"


def short(x) -> str:
    if x is None:
        return "—"
    if isinstance(x, bool):
        return YES if x else NO
    if isinstance(x, str):
        return x
    return _japanese_number(x)


def count(x) -> str:
    return short(x)


def ratio(x) -> str:
    return "—" if x is None else f"{x:.3g}倍"


def interval(low: str, high: str, *, parens: bool = True) -> str:
    text = f"{low}〜{high}"
    return f"（{text}）" if parens else text


def figure_label(n: int) -> str:
    return f"図{n}"


def likelihood(term: str, kind: str, parts: list) -> str:
    """「可能性が高い」（78%、モンテカルロ誤差 ±1%）"""
    return f"「{TERMS[term][0]}」（{probability(kind, parts)}）"


def probability(kind: str, parts: list) -> str:
    if kind == "error":
        return f"{parts[0]}、モンテカルロ誤差 ±{parts[1]}"
    if kind == "below":
        return f"{parts[0]}、モンテカルロ誤差 ±{parts[1]}未満"
    if kind == "none":
        return f"{parts[0]}回の試行で該当なし、95%上限 {parts[1]}"
    if kind == "all":
        return f"{parts[0]}回の試行すべてで該当、95%下限 {parts[1]}"
    return parts[0]


def compact(kind: str, parts: list) -> str:
    """``78%（±1%）``。基準を超えるサンプルがない場合は「3の法則」による上限を添える。"""
    if kind == "error":
        return f"{parts[0]}（±{parts[1]}）"
    if kind == "below":
        return f"{parts[0]}（±{parts[1]}未満）"
    if kind == "none":
        return f"{parts[0]}（{parts[1]}回中0回、95%上限 {parts[2]}）"
    if kind == "all":
        return f"{parts[0]}（{parts[1]}回中すべて、95%下限 {parts[2]}）"
    return parts[0]


def input_label(name: str) -> str:
    return _LABELS.get(name, name.split(".", 1)[-1])


def prior_meaning(name: str) -> str:
    return _PRIOR_MEANING.get(name, "")


def provenance_label(name: str) -> str:
    return _PROVENANCE.get(name, name)


def _option(c, key: str) -> str:
    if c.v(key) == DO_NOTHING:
        return c.tok(key, "「何もしない」")
    return c.text(key)


def _scale(c, key: str) -> str:
    text = str(c.v(key))
    m = re.match(r"^(\S+) params on (\S+) tokens$", text)
    if m:
        return c.tok(key, f"パラメータ数 {m.group(1)}、トークン数 {m.group(2)}")
    m = re.match(r"^(\S+) FLOPs$", text)
    if m:
        return c.tok(key, f"計算量 {m.group(1)} FLOPs")
    return c.text(key)


def _plan(c, k: int) -> str:
    return f"案{k}（{c.plan(k)}）"


# ---------------------------------------------------------------------- top
def meta(c) -> str:
    who = f"作成者：{c.text('memo.author')}　" if c.v("memo.author") else ""
    return (
        f"{who}作成日：{c.text('provenance.memo_date')}　scaling_bayes "
        f"{c.text('provenance.scaling_bayes_version')} により作成"
    )


def figure_note(c) -> str:
    return (
        "図中のラベルは英語表記です（日本語フォントの導入を前提としないため）。日本語の案名は図中で"
        "正しく表示されない場合がありますので、図中の番号（表の案番号に対応）でご確認ください。"
    )


def box(c) -> list:
    paras = [
        "事後分布のサンプリングが収束判定を満たしていないため、予測とそれに基づく確率は誤っている可能性が"
        "あります。このため本メモでは、いずれかの案が採算に乗る確率をはじめ、意思決定に関わる数値を記載"
        "しません（第1・3・4・5節）。調整ステップやサンプル数を増やすか事前分布を見直して再推定し、"
        "メモを作り直してください。"
    ]
    for key in c.book.keys():
        if key.startswith("diagnostics.param.") and key.endswith(".ok") and not c.v(key):
            p = key[: -len(".ok")]
            name = p.split(".", 2)[2]
            paras.append(
                f"{name}：R-hat {c.fixed(f'{p}.r_hat', 3)}（基準 "
                f"{c.num('diagnostics.r_hat_max')} 以下）、バルクESS "
                f"{c.fixed(f'{p}.ess_bulk', 0)}（基準 {c.fixed('diagnostics.ess_bulk_min', 0)} "
                "以上）。"
            )
    if c.v("diagnostics.divergences") > c.v("diagnostics.max_divergences"):
        paras.append(
            f"発散遷移 {c.integer('diagnostics.divergences')}件（許容 "
            f"{c.integer('diagnostics.max_divergences')}件以下）。"
        )
    return paras


# ---------------------------------------------------------------------- 1. headline
def _returns(c) -> str:
    if c.v("threshold") == 0:
        return "コストを上回る価値を生む（ROI > 0）"
    t = c.threshold()
    return f"コストに対して{t}を超えるリターンを生む（ROI > {t}）"


def _nb(c, k: int) -> str:
    p = f"plans.{k}"
    return (
        f"{c.money(f'{p}.expected_net_benefit')}（{c.pct('interval_prob')}区間 "
        f"{c.money(f'{p}.expected_net_benefit_lower')}〜"
        f"{c.money(f'{p}.expected_net_benefit_upper')}、モンテカルロ誤差 "
        f"{c.money(f'{p}.expected_net_benefit_mc_se')}）"
    )


def _far(c, k: int) -> list:
    """案kの予測が警告倍率を超える外挿である場合の注意書き。"""
    ratio = c.v(f"plans.{k}.extrapolation_ratio")
    if ratio is None or ratio <= c.v("extrapolation.warn_ratio"):
        return []
    return [
        f"この案の予測は観測済みの最大規模の{c.ratio(f'plans.{k}.extrapolation_ratio')}に達し、"
        f"予測区間を楽観的とみなすべき{c.ratio('extrapolation.warn_ratio')}を超えています"
        "（第2節）。"
    ]


def headline(c):
    n = c.v("n_plans")
    k = c.v("lead_plan")
    lead, bullets = [], []
    if c.v("single_plan"):
        lead.append(
            f"{c.plan(1)}が{_returns(c)}ことは{c.prob('plans.1.p_roi_above_threshold')}です。"
            f"期待純便益（NB = V − C）は{_nb(c, 1)}です。"
        )
        lead += _far(c, 1)
        if c.v("best_is_do_nothing"):
            lead.append("期待純便益がプラスではないため、期待値の上では何もしない方が有利です。")
    elif c.v("best_is_do_nothing"):
        lead.append(
            "期待純便益（NB = V − C）がプラスとなる案はありません。期待値の上では「何もしない」が"
            f"最善で、それが最善の選択肢となる確率は{c.prob_num('p_best_do_nothing')}です。"
            f"期待純便益が最も大きいのは{_plan(c, k)}の{_nb(c, k)}です。"
        )
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1)]
    else:
        lead.append(
            f"比較した{c.integer('n_plans')}案のうち、期待純便益（NB = V − C）が最も大きいのは"
            f"{_plan(c, k)}で、{_nb(c, k)}です。"
        )
        lead.append(
            f"この案が{_returns(c)}ことは{c.prob(f'plans.{k}.p_roi_above_threshold')}です。"
            f"この案が最善の選択肢となる確率は{c.prob_num(f'plans.{k}.p_best')}です。"
        )
        lead += _far(c, k)
        bullets = [_plan_line(c, j) for j in range(1, n + 1) if j != k]
        if bullets:
            lead.append("その他の案：")
    after = []
    if not c.v("single_plan") and not c.v("best_is_do_nothing") and c.has("p_best_do_nothing"):
        after.append(
            "「何もしない」（新たな学習を行わず、純便益0）が最善の選択肢となる確率は"
            f"{c.prob_num('p_best_do_nothing')}です。"
        )
    after.append(_legend(c))
    chains = c.v("mcmc_chains")
    ess = (
        f"{c.integer('mcmc_chains')}本のMCMCチェーンの有効サンプルサイズに基づく"
        if chains
        else "独立なサンプル数に基づく"
    )
    after.append(
        "確率は、当てはめたスケーリング則と事業上の入力を同時に"
        f"{c.integer('n_draws')}回シミュレーションした結果の割合です。±はモンテカルロ標準誤差"
        f"（{ess}）です。ROI = (V − C) / C で、0が損益分岐点です。最大の案は観測済みの最大規模の"
        f"{c.ratio('extrapolation.max_ratio')}に達します（第2節）。これらの数値は第6節の前提に"
        "基づくものであり、本メモはそれを超える推奨を行いません。"
    )
    return lead, bullets, after


def _plan_line(c, k: int) -> str:
    p = f"plans.{k}"
    return (
        f"{_plan(c, k)}：{_returns(c)}ことは{c.prob(f'{p}.p_roi_above_threshold')}です。"
        f"期待純便益 {c.money(f'{p}.expected_net_benefit')}、最善となる確率 "
        f"{c.prob_num(f'{p}.p_best')}。"
    )


def _legend(c) -> str:
    used = {likelihood_term(c.v(f"plans.{k}.p_roi_above_threshold"))
            for k in range(1, c.v("n_plans") + 1)}  # fmt: skip
    terms = [f"{ja}＝{span}" for en, (ja, span) in TERMS.items() if en in used]
    return "確率の表現（IPCC第5次評価報告書の尺度）：" + "、".join(terms) + "。"


def headline_withheld(c) -> str:
    return (
        "記載を差し控えます。推定が収束していないため（上の警告と第7節を参照）、本メモでは"
        "いずれの案についても採算に乗る確率を示しません。"
    )


def withheld(c) -> str:
    return "記載を差し控えます（推定が収束していないため。第7節参照）。"


# ---------------------------------------------------------------------- 2. forecast
def forecast(c) -> list:
    kind = (
        "新たに学習した場合に観測される損失（スケーリング則に学習ごとのばらつきを加えたもの）"
        if c.v("loss_kind") == "predictive"
        else "スケーリング則そのものの損失（学習ごとのばらつきを含まない）"
    )
    axis = c.v("extrapolation.axis")
    unit = {"compute": " FLOPs（学習計算量）", "params": " パラメータ", "tokens": " トークン"}
    first = (
        f"スケーリング則 {c.text('provenance.law_formula')} を{c.integer('provenance.n_runs')}件の"
        f"学習実績に当てはめました。最大の実績は{c.num('extrapolation.max_observed')}{unit[axis]}"
        f"です。図は、{kind}の中央値と50%・80%・90%の確率帯を、最小の実績から最大の候補案の先まで"
        "示し、候補案を記したものです。"
    )
    if axis == "compute" and c.v("provenance.law") == "chinchilla":
        first += (
            "確率帯の各計算予算は、パラメータ数とトークン数に計算最適となるよう配分しています。"
            "候補案はそれぞれの規模の位置に記しています。"
        )
    second = (
        f"最大の候補案には{c.num('extrapolation.max_candidate')}{unit[axis]}が必要で、観測済みの"
        f"最大値の{c.ratio('extrapolation.max_ratio')}です（外挿倍率）。予測誤差はこの倍率とともに"
        "大きくなり、既存の研究では、データから遠い点推定は損失を低く見積もる傾向がありました。"
    )
    if (c.v("extrapolation.max_ratio") or 0) > c.v("extrapolation.warn_ratio"):
        second += (
            f"これは本パッケージが警告を出す{c.ratio('extrapolation.warn_ratio')}を超えており、"
            "区間は楽観的なものとみなしてください。"
        )
    if c.v("extrapolation.error_per_efold"):
        second += (
            "予測には、最大の実績から e 倍ごとに対数損失で"
            f"{c.num('extrapolation.error_per_efold')}の系統的な外挿誤差を加えています。"
        )
    else:
        second += (
            "予測は、データの範囲外でもスケーリング則の形が保たれると仮定しています"
            "（追加の外挿誤差 "
            f"{c.num('extrapolation.error_per_efold')}）。"
        )
    return [first, second]


def backtest(c) -> str:
    text = (
        f"手元の実績による検証（バックテスト）：{c.text('backtest.holdout')}が"
        f"{c.num('backtest.cutoff')}以下の{c.integer('backtest.n_train')}件で当てはめ、それより"
        f"大きい{c.integer('backtest.n_test')}件を予測したところ、90%区間は"
        f"{c.pct('backtest.coverage_90')}、50%区間は{c.pct('backtest.coverage_50')}の実績を含み、"
        f"相対誤差（絶対値）の中央値は{c.pct('backtest.median_abs_rel_error')}でした。"
    )
    if not c.v("backtest.converged"):
        text += "なお、この当てはめは収束しておらず、評価は参考値です。"
    return text


def caption(name: str, c) -> str:
    if name == "fan":
        return (
            "規模に対する損失：観測した実績（黒）、予測の中央値と50/80/90%の確率帯、候補案（赤、"
            "番号は表の案番号）、観測済みの最大規模（点線）。"
        )
    if name == "roi":
        return (
            "各案のROIの分位ドットプロット：点1つが等しい確率を表し、緑の点は基準（破線）を"
            "上回ります。"
        )
    if name == "ladder":
        return (
            f"各案の期待純便益と{c.pct('interval_prob')}区間。星印は期待値で最善の案、赤の点線は"
            "打ち止め点（ある場合）です。"
        )
    if name == "acceptability":
        return (
            "受容性曲線：損失1単位の改善の金銭価値に対する、純便益がプラスとなる確率。点線は損益分岐"
            "となる価値です。"
        )
    return (
        f"各入力を{c.pct('tornado.low')}点から{c.pct('tornado.high')}点まで動かしたときの、"
        f"案{c.integer('tornado.plan')}の期待純便益の振れ幅。"
    )


# ---------------------------------------------------------------------- 3. ROI
def roi(c) -> list:
    t = c.threshold()
    lvl = c.pct("var_level")
    tail = c.pct("var_tail")
    paras = [
        "ROI = (V − C) / C（Vは案の価値、Cはコスト）で、0が損益分岐点です。"
        + (
            f"ROI > {t} は、価値がコストを{t}より多く上回ることを意味します。"
            if c.v("threshold")
            else f"ROI > {t} は、価値がコストを上回ることを意味します。"
        )
        + "表はROIの5・25・50・75・95"
        "パーセンタイルと、基準を上回る確率、損益分岐を上回る確率を示します。",
        f"VaR {lvl}は、結果の悪い方から{tail}に入る場合に失う金額です（純便益 V − C の{tail}点の"
        "符号を反転したもの）。正の値は損失を、負の値はその場合でも利益が出ることを意味します。"
        f"CVaR {lvl}は、その悪い方{tail}の中での平均損失で、符号の意味は同じです。",
    ]
    k = c.v("lead_plan")
    p = f"plans.{k}"
    var, cvar = c.v(f"{p}.var"), c.v(f"{p}.cvar")
    if var > 0:
        paras.append(
            f"{_plan(c, k)}では、悪い方から{tail}の結果で少なくとも{c.money(f'{p}.var')}を失い"
            f"（VaR）、平均では{c.money(f'{p}.cvar')}を失います（CVaR）。"
        )
    elif cvar > 0:
        paras.append(
            f"{_plan(c, k)}では、悪い方から{tail}点の結果でもなお利益が出ますが（VaR "
            f"{c.money(f'{p}.var')}、負は利益）、最悪の{tail}の結果の平均は"
            f"{c.money(f'{p}.cvar')}の損失です（CVaR）。"
        )
    else:
        paras.append(
            f"{_plan(c, k)}では、最悪の{tail}の結果でも平均して利益が出ます（VaR "
            f"{c.money(f'{p}.var')}、CVaR {c.money(f'{p}.cvar')}、負は利益）。"
        )
    return paras


def roi_notes(c) -> str:
    return (
        "確率の±はモンテカルロ標準誤差です。ROIのパーセンタイルのモンテカルロ誤差は、ROIの値として"
        f"最大{c.pct('roi_percentile_mc_se_max')}です。"
    )


# ---------------------------------------------------------------------- 4. ladder
def ladder(c) -> list:
    paras = [
        "案は期待コストの小さい順に並べています。純便益 NB = V − C。dE[NB]/dE[C] は、一つ前の案から"
        "費用を1単位追加したときに増える期待純便益（最初の案は何もしない場合との比較）、P(段階が有利)"
        " は一つ前の案からの増強で純便益が増える確率、P(最善) はその案が最善の選択肢となる"
        "確率です。"
    ]
    s = c.v("stop_plan")
    if c.v("single_plan"):
        paras.append("評価した案は1つのため、段階比較と打ち止め点はありません。")
    elif c.v("stop_reached"):
        paras.append(
            f"案{c.integer('stop_plan')}（{c.plan(s)}）を超えると、規模拡大の採算が合わなくなり"
            "ます。次の段階では、追加費用1単位あたりの期待純便益の増分が"
            f"{c.num('next_step_marginal')}です（負の値は、期待値で追加費用が増える価値を上回る"
            f"こと）。ただし、次の段階がなお有利となることは{c.prob('p_next_step_pays')}です。"
        )
    else:
        paras.append(
            "規模を1段階上げるごとに期待純便益は増えており、打ち止め点は最大の案である"
            f"案{c.integer('stop_plan')}（{c.plan(s)}）以上にあります。大きな案ほど外挿が"
            "大きくなります（第2節）。"
        )
    return paras


def acceptability(c) -> list:
    if not c.v("acceptability.available"):
        return [
            f"受容性曲線は作成していません（理由、英語原文：{c.text('acceptability.problem')}）。"
        ]
    per = "（年あたり）" if c.v("acceptability.per_year") else ""
    return [
        f"受容性曲線は、損失1単位の改善の金銭価値{per}に対して、各案の純便益がプラスとなる確率を"
        "示します。期待純便益がゼロとなる損益分岐の価値を下表に示します。第6節で仮定した価値と"
        "比べてご覧ください。"
    ]


# ---------------------------------------------------------------------- 5. drivers, VOI
def tornado(c) -> list:
    k = c.v("tornado.plan")
    if not c.v("tornado.n_inputs"):
        return [f"{_plan(c, k)}には不確実な入力がないため、トルネード図はありません。"]
    paras = [
        f"案{c.integer('tornado.plan')}（{c.plan(k)}）の不確実な入力を1つずつ"
        f"{c.pct('tornado.low')}点から{c.pct('tornado.high')}点まで動かし（他の入力は同時サンプル"
        f"のまま）、期待純便益（基準値 {c.money('tornado.base')}）がどれだけ振れるかを示します。"
        "予測損失（スケーリング則）も棒の1本です。最も大きく振れるのは"
        f"{c.tok('tornado.1.input', input_label(c.v('tornado.1.input')))}で、"
        f"{c.money('tornado.1.metric_at_low')}から{c.money('tornado.1.metric_at_high')}まで"
        "変化します。1つずつ動かす分析は入力間の相互作用を無視するため、要因の順位として"
        "お読みください。"
    ]
    fixed = c.v("tornado.fixed_inputs")
    if fixed:
        labels = "、".join(input_label(x) for x in fixed.split(", "))
        paras.append(
            f"固定値として与えた入力は表示していません：{c.tok('tornado.fixed_inputs', labels)}。"
        )
    return paras


def voi(c) -> list:
    paras = [
        "すべての不確実性（スケーリング則、学習ごとのばらつき、事業上の入力）が解消された場合の価値は"
        f"{c.money('evpi')}です（完全情報の期待値 EVPI、モンテカルロ誤差 "
        f"{c.money('evpi_mc_se')}）。"
        "これは、今後どのような追加調査を行っても得られる価値の上限です。"
    ]
    if not c.has("pilot.verdict"):
        paras.append(
            "追加のパイロット学習1回の価値は評価していません"
            "（pilot=evsi_pilot(...) で指定できます）。"
        )
        return paras
    verdict = {
        "worth": "追加のパイロット学習は、費用を上回る価値が見込まれます",
        "not_worth": "追加のパイロット学習は、費用に見合う価値が見込まれません",
        "unclear": "追加のパイロット学習が費用に見合うかは判断できません"
        "（2つの推定が食い違っています）",
    }[c.v("pilot.verdict")]
    paras.append(
        f"{c.tok('pilot.verdict', verdict)}。{_scale(c, 'pilot.scale')}での学習1回から得られる"
        f"価値の期待値は{c.money('pilot.evsi')}（標本情報の期待値 EVSI、モンテカルロ誤差 "
        f"{c.money('pilot.evsi_mc_se')}、交差推定 {c.money('pilot.evsi_cross_fitted')}）、期待"
        f"費用は{c.money('pilot.pilot_cost')}で、差し引きの期待純便益（ENBS）は"
        f"{c.money('pilot.expected_net_benefit_of_sampling')}（交差推定 "
        f"{c.money('pilot.enbs_cross_fitted')}）です。現時点の選択は"
        f"{_option(c, 'pilot.chosen_now')}で、{c.integer('pilot.n_outer')}通りの模擬結果において"
        f"パイロットの結果によりこの選択が変わる確率は{c.prob_num('pilot.p_decision_changes')}"
        "です。"
    )
    return paras


# ---------------------------------------------------------------------- 6. assumptions
def assumptions(c) -> list:
    return [
        "事業上の各入力について、対象となる案、値または分布、出典、出典の日付を示します。不確実な入力"
        "は予測と同時にサンプリングし、複数の案に共通する入力はどの案でも同じサンプルを用います。"
        "「記録なし」は、その数値の出典が本メモに与えられていないことを示します"
        "（RiskMemo(sources=...) で指定できます）。"
    ]


def describe(c, key: str, name: str) -> str:
    s = c.v(f"{key}.kind")
    is_money = "usd" in name

    def fmt(field):
        k = f"{key}.{field}"
        return c.money(k) if is_money else c.tok(k, short(c.v(k)))

    if s == "uniform":
        return f"{fmt('low')}〜{fmt('high')}の一様分布"
    if s == "distribution":
        return (
            f"{c.text(f'{key}.dist')}分布（中央値 {fmt('median')}、90%範囲 {fmt('p05')}〜"
            f"{fmt('p95')}）"
        )
    if s == "draws":
        return (
            f"{c.integer(f'{key}.n')}個のサンプル（中央値 {fmt('median')}、90%範囲 "
            f"{fmt('p05')}〜{fmt('p95')}）"
        )
    if s == "flag":
        return c.tok(f"{key}.value", YES if c.v(f"{key}.value") else NO)
    if s == "text":
        value = c.v(f"{key}.value")
        if name == "value.model":
            return c.tok(f"{key}.value", f"{value}：{_VALUE_MODELS.get(value, value)}")
        return c.text(f"{key}.value")
    if name == "cost.peak_flops":
        return c.tok(f"{key}.value", f"{c.v(f'{key}.value') / 1e12:.4g} TFLOP/s")
    return fmt("value")


def source(c, key: str, name: str) -> str:
    kind = c.v(f"{key}.source_kind")
    if kind == "given":
        return c.text(f"{key}.source")
    if kind == "package_default":
        return c.tok(f"{key}.source", f"パッケージ既定値：{c.v(f'{key}.source')}")
    if kind == "package_default_zero":
        return c.tok(f"{key}.source", "パッケージ既定値（計上なし）")
    if kind == "setting":
        return c.tok(f"{key}.source", "メモの設定")
    return c.tok(f"{key}.source", NOT_RECORDED)


def priors(c) -> list:
    over = c.v("priors.overrides")
    changed = f"（{c.text('priors.overrides')}を変更）" if over else "（変更なし）"
    return [
        f"スケーリング則の事前分布：{c.text('priors.preset')}プリセット{changed}。事前分布は相対"
        "尺度（損失は観測最小損失に対する比、規模は実績の幾何平均に対する比）で定義しており、1組の"
        "既定値でどのような損失にも対応できます。各既定値の根拠は scaling_bayes.core.priors を"
        "参照してください。"
    ]


def prior_sensitivity(c) -> str:
    if not c.has("prior_sensitivity.alternative"):
        return (
            "事前分布への感度は評価していません。他の事前分布で結果がどれだけ動くかは不明です"
            "（RiskMemo(prior_sensitivity=prior_sensitivity(model, ...)) で指定できます）。"
        )
    widths = c.v("prior_sensitivity.max_shift_in_widths")
    verdict = (
        "ほとんど動きません" if widths < 0.1 else "動きます" if widths < 0.5 else "大きく動きます"
    )
    text = (
        f"事前分布への感度：{c.text('prior_sensitivity.alternative')}事前分布のもとでは、予測の"
        f"中央値は{verdict}（最大 {c.num('prior_sensitivity.max_shift')} "
        f"{c.text('loss_unit')}、{c.pct('prior_sensitivity.interval_prob')}区間の幅の"
        f"{c.pct('prior_sensitivity.max_shift_in_widths')}）。"
    )
    if not c.v("prior_sensitivity.converged"):
        text += "なお、この再推定は収束しておらず、比較は参考値です。"
    return text


# ---------------------------------------------------------------------- 7. diagnostics
def diagnostics(c) -> list:
    rules = (
        f"基準：すべてのパラメータでR-hatが{c.num('diagnostics.r_hat_max')}以下、バルクESSが"
        f"{c.fixed('diagnostics.ess_bulk_min', 0)}以上、発散遷移が"
        f"{c.integer('diagnostics.max_divergences')}件以下"
    )
    common = (
        f"R-hatの最大値は{c.fixed('diagnostics.max_r_hat', 3)}、バルクESSの最小値は"
        f"{c.fixed('diagnostics.min_ess_bulk', 0)}、{c.integer('diagnostics.n_draws')}サンプル中の"
        f"発散遷移は{c.integer('diagnostics.divergences')}件です。"
    )
    if c.v("diagnostics.converged"):
        paras = [f"推定は収束しました（{rules}）。{common}"]
        paras.append(
            "チェック表の後に、公表形式のパラメータで表したスケーリング則（平均と最高密度区間）を"
            "示します。"
        )
    else:
        paras = [
            f"推定は収束していません。{c.integer('diagnostics.n_problems')}項目のチェックが不合格"
            f"です（{rules}）。{common}"
        ]
    paras.append(
        "来歴：当てはめた実績データのハッシュ値（正規化CSVのSHA-256。データファイルを指定した場合は"
        "そのSHA-256も）により、メモとデータの対応を誰でも確認できます。乱数シード、サンプル数、"
        "バージョンにより数値を再現できます。"
    )
    return paras


def design_intro(c) -> str:
    return "実績データの設計に関する警告（当てはめ時のもの、英語原文）："


def appendix(c) -> str:
    return (
        "本メモに記載したすべての数値を、完全な精度、単位、読み取り元の表・属性とともに示します"
        "（RiskMemo.to_csv も同じ一覧を出力します）。単位と読み取り元はプログラム上の名称（英語）"
        "です。案の番号は表と同じく期待コストの小さい順です。"
    )
