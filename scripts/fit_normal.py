#!/usr/bin/env python3
"""Fit the two normal-distribution rationals that FixedPointMath.sol hard-codes.

FixedPointMath evaluates the standard normal CDF in three pieces. Two of them are fitted
here; the third (the asymptotic tail beyond sqrt(32)) is W. J. Cody's published one.

- central, 0 <= y <= 2:      Phi(y) - 1/2 = y * P(y^2) / Q(y^2)
- middle,  2 < y <= sqrt(32): Mills ratio R(y) = (1 - Phi(y)) * exp(y^2 / 2) = P(u) / Q(u),
                              u = y - 2

Both are [6/6] rationals with Q(0) = 1 and, as it turns out, all coefficients positive, so the
contract evaluates them with unsigned Horner steps in X96 (value * 2**96). The fit is a
linearised weighted least-squares fit on Chebyshev nodes (Loeb's iteration), then Lawson
reweighting towards the minimax error, all in 60-digit decimal arithmetic against a reference
Phi from its Taylor series at 80+ digits. The script prints the Solidity constants and the
largest relative error of the X96 evaluation over a fine grid; it needs only the standard
library and runs in about ten seconds.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from decimal import Decimal, getcontext, localcontext
from functools import cache

getcontext().prec = 60
Q96 = 2**96
PI = Decimal(
    "3.14159265358979323846264338327950288419716939937510582097494459230781640628620899863"
)
SQRT_2PI = (2 * PI).sqrt()
DEGREE = 6
NODES = 160
ITERATIONS = 16
LAWSON_FROM = 4
MIN_SERIES_TERMS = 5


@cache
def upper_tail(y: Decimal) -> Decimal:
    """1 - Phi(y) for y >= 0 from the alternating Taylor series of erf, at enough digits."""
    with localcontext() as ctx:
        ctx.prec = 80 + int(float(y) ** 2 / 4.6) + 10
        total = Decimal(0)
        term = y  # y^(2n+1) / (2^n n!)
        n = 0
        while True:
            add = term / (2 * n + 1)
            total += -add if n % 2 else add
            if n > MIN_SERIES_TERMS and abs(add) < Decimal(10) ** -ctx.prec:
                break
            n += 1
            term = term * y * y / (2 * n)
        result = Decimal("0.5") - total / SQRT_2PI
    return +result


def central_target(z: Decimal) -> Decimal:
    """(Phi(sqrt z) - 1/2) / sqrt z, the function the central rational approximates."""
    if z == 0:
        return 1 / SQRT_2PI
    y = z.sqrt()
    return (Decimal("0.5") - upper_tail(y)) / y


def mills_target(y: Decimal) -> Decimal:
    """The Mills ratio (1 - Phi(y)) e^(y^2/2)."""
    return upper_tail(y) * (y * y / 2).exp()


def horner(coefficients: list[Decimal], x: Decimal) -> Decimal:
    result = Decimal(0)
    for c in reversed(coefficients):
        result = result * x + c
    return result


def solve_least_squares(rows: list[list[Decimal]], rhs: list[Decimal]) -> list[Decimal]:
    """Normal equations solved by Gauss-Jordan elimination with partial pivoting."""
    n = len(rows[0])
    matrix = [
        [sum(r[i] * r[j] for r in rows) for j in range(n)]
        + [sum(r[i] * v for r, v in zip(rows, rhs, strict=True))]
        for i in range(n)
    ]
    for i in range(n):
        pivot = max(range(i, n), key=lambda r: abs(matrix[r][i]))
        matrix[i], matrix[pivot] = matrix[pivot], matrix[i]
        for r in range(n):
            if r != i:
                factor = matrix[r][i] / matrix[i][i]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[i], strict=True)]
    return [matrix[i][n] / matrix[i][i] for i in range(n)]


def fit(
    target: Callable[[Decimal], Decimal], lo: Decimal, hi: Decimal
) -> tuple[list[Decimal], list[Decimal]]:
    """[DEGREE/DEGREE] rational in t = (x - mid) / half, minimising the relative error."""
    mid, half = (lo + hi) / 2, (hi - lo) / 2
    ts = [Decimal(math.cos(math.pi * (k + 0.5) / NODES)) for k in range(NODES)]
    values = [target(mid + half * t) for t in ts]
    q_previous = [Decimal(1)] * NODES
    lawson = [Decimal(1)] * NODES
    best: tuple[Decimal, list[Decimal], list[Decimal]] | None = None
    for iteration in range(ITERATIONS):
        rows, rhs = [], []
        for t, f, qp, weight in zip(ts, values, q_previous, lawson, strict=True):
            s = weight / (f * qp)
            rows.append(
                [s * t**k for k in range(DEGREE + 1)]
                + [-s * f * t**k for k in range(1, DEGREE + 1)]
            )
            rhs.append(s * f)
        solution = solve_least_squares(rows, rhs)
        p, q = solution[: DEGREE + 1], [Decimal(1), *solution[DEGREE + 1 :]]
        q_previous = [horner(q, t) for t in ts]
        errors = [
            abs(horner(p, t) / qt - f) / f for t, qt, f in zip(ts, q_previous, values, strict=True)
        ]
        worst = max(errors)
        if best is None or worst < best[0]:
            best = (worst, p, q)
        if iteration >= LAWSON_FROM:
            lawson = [
                w * (e / worst).sqrt() + Decimal("1e-30")
                for w, e in zip(lawson, errors, strict=True)
            ]
    if best is None:
        raise RuntimeError("no fitting iteration ran")
    return best[1], best[2]


def to_monomials(
    coefficients: list[Decimal], mid: Decimal, half: Decimal, origin: Decimal
) -> list[Decimal]:
    """Rewrite sum c_k ((x - mid) / half)^k as a polynomial in (x - origin)."""
    shift = mid - origin
    out = [Decimal(0)] * len(coefficients)
    for k, c in enumerate(coefficients):
        for j in range(k + 1):
            out[j] += c * math.comb(k, j) * (-shift) ** (k - j) / half**k
    return out


def to_x96(values: list[Decimal]) -> list[int]:
    return [int((v * Q96).to_integral_value()) for v in values]


def horner_x96(coefficients: list[int], x: int) -> int:
    """The contract's unsigned Horner evaluation in X96."""
    result = coefficients[-1]
    for c in reversed(coefficients[:-1]):
        result = ((result * x) >> 96) + c
    return result


def report(name: str, p: list[int], q: list[int]) -> None:
    for k, v in enumerate(p):
        print(f"    uint256 private constant NORM_{name}_P{k} = {v:_};")
    for k, v in enumerate(q[1:], start=1):
        print(f"    uint256 private constant NORM_{name}_Q{k} = {v:_};")


def main() -> None:
    zero, two, sqrt32 = Decimal(0), Decimal(2), Decimal(32).sqrt()

    p, q = fit(central_target, zero, two * two)
    p, q = to_monomials(p, two, two, zero), to_monomials(q, two, two, zero)
    central_p, central_q = to_x96([c / q[0] for c in p]), to_x96([c / q[0] for c in q])
    worst = Decimal(0)
    for i in range(1, 4001):
        y = two * i / 4000
        y96 = int(y * Q96)
        z96 = (y96 * y96) >> 96
        got = Decimal(y96 * horner_x96(central_p, z96) // horner_x96(central_q, z96)) / Q96
        exact = Decimal("0.5") - upper_tail(Decimal(y96) / Q96)
        worst = max(worst, abs(got - exact) / exact)
    print(f"// central, 0 <= y <= 2: relative error {float(worst):.2e}")
    report("CENTRAL", central_p, central_q)

    mid, half = (two + sqrt32) / 2, (sqrt32 - two) / 2
    p, q = fit(mills_target, two, sqrt32)
    p, q = to_monomials(p, mid, half, two), to_monomials(q, mid, half, two)
    mid_p, mid_q = to_x96([c / q[0] for c in p]), to_x96([c / q[0] for c in q])
    worst = Decimal(0)
    for i in range(4001):
        y = two + (sqrt32 - two) * i / 4000
        y96 = int(y * Q96)
        u96 = y96 - 2 * Q96
        got = Decimal((horner_x96(mid_p, u96) << 96) // horner_x96(mid_q, u96)) / Q96
        exact = mills_target(Decimal(y96) / Q96)
        worst = max(worst, abs(got - exact) / exact)
    print(f"// middle, 2 < y <= sqrt(32): relative error {float(worst):.2e}")
    report("MID", mid_p, mid_q)


if __name__ == "__main__":
    main()
