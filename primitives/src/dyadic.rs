//! Exact arithmetic on IEEE 754 bit patterns, for the tolerance comparison.
//!
//! Every finite `f32` or `f64` is `±m · 2^e` with integer `m` and `e ≥ -1074`, so
//! `value · 2^1074` is an integer below `2^2098`. [`Big`] is a fixed-width unsigned integer wide
//! enough for `value · 2^1074 · u64`, so the tolerance test can be done without rounding and
//! without platform floats.

use core::cmp::Ordering;

/// Number of 64-bit limbs: 35 · 64 = 2240 bits > 2163 bits needed.
const LIMBS: usize = 35;

/// Exponent bias: finite values are scaled by `2^BIAS` to become integers.
pub const BIAS: i32 = 1074;

/// A finite float decoded from its bit pattern: `(-1)^negative · mantissa · 2^exponent`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Finite {
    /// Sign bit.
    pub negative: bool,
    /// Integer significand (subnormals included), < 2^53.
    pub mantissa: u64,
    /// Power of two, ≥ -1074.
    pub exponent: i32,
}

/// Classification of a float bit pattern.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Class {
    /// Any NaN.
    Nan,
    /// An infinity; `true` if negative.
    Inf(bool),
    /// A finite value.
    Finite(Finite),
}

/// Classifies the bits of an `f64`.
pub fn classify_f64(bits: u64) -> Class {
    let negative = bits >> 63 == 1;
    let exp = ((bits >> 52) & 0x7ff) as i32;
    let frac = bits & ((1u64 << 52) - 1);
    match exp {
        0x7ff if frac != 0 => Class::Nan,
        0x7ff => Class::Inf(negative),
        0 => Class::Finite(Finite {
            negative,
            mantissa: frac,
            exponent: -1074,
        }),
        _ => Class::Finite(Finite {
            negative,
            mantissa: frac | (1u64 << 52),
            exponent: exp - 1075,
        }),
    }
}

/// Classifies the bits of an `f32`.
pub fn classify_f32(bits: u32) -> Class {
    let negative = bits >> 31 == 1;
    let exp = ((bits >> 23) & 0xff) as i32;
    let frac = (bits & ((1u32 << 23) - 1)) as u64;
    match exp {
        0xff if frac != 0 => Class::Nan,
        0xff => Class::Inf(negative),
        0 => Class::Finite(Finite {
            negative,
            mantissa: frac,
            exponent: -149,
        }),
        _ => Class::Finite(Finite {
            negative,
            mantissa: frac | (1u64 << 23),
            exponent: exp - 150,
        }),
    }
}

/// Fixed-width little-endian unsigned integer.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub struct Big([u64; LIMBS]);

impl Big {
    /// Zero.
    pub const ZERO: Big = Big([0; LIMBS]);

    /// `value · 2^shift`; bits shifted beyond the width are dropped (never happens for the
    /// shifts used here: `shift ≤ 2^11 + 64`).
    pub fn shifted(value: u64, shift: u32) -> Big {
        let mut out = Big::ZERO;
        let limb = (shift / 64) as usize;
        let bit = shift % 64;
        let wide = (value as u128) << bit;
        if let Some(l) = out.0.get_mut(limb) {
            *l = wide as u64;
        }
        if let Some(l) = out.0.get_mut(limb + 1) {
            *l = (wide >> 64) as u64;
        }
        out
    }

    /// The magnitude of a finite value scaled by `2^BIAS`.
    pub fn from_finite(f: &Finite) -> Big {
        // exponent ≥ -1074, so the shift is ≥ 0.
        Big::shifted(f.mantissa, (f.exponent + BIAS).max(0) as u32)
    }

    /// `self + other` (wrapping at the width, which the callers' bounds exclude).
    pub fn add(&self, other: &Big) -> Big {
        let mut out = Big::ZERO;
        let mut carry = 0u128;
        for ((o, a), b) in out.0.iter_mut().zip(self.0.iter()).zip(other.0.iter()) {
            let s = *a as u128 + *b as u128 + carry;
            *o = s as u64;
            carry = s >> 64;
        }
        out
    }

    /// `|self − other|`.
    pub fn abs_diff(&self, other: &Big) -> Big {
        let (hi, lo) = if self.cmp(other) == Ordering::Less {
            (other, self)
        } else {
            (self, other)
        };
        let mut out = Big::ZERO;
        let mut borrow = 0u128;
        for ((o, a), b) in out.0.iter_mut().zip(hi.0.iter()).zip(lo.0.iter()) {
            let sub = *b as u128 + borrow;
            let a = *a as u128;
            if a >= sub {
                *o = (a - sub) as u64;
                borrow = 0;
            } else {
                *o = ((1u128 << 64) + a - sub) as u64;
                borrow = 1;
            }
        }
        out
    }

    /// `self · k` (wrapping at the width, which the callers' bounds exclude).
    pub fn mul_small(&self, k: u64) -> Big {
        let mut out = Big::ZERO;
        let mut carry = 0u128;
        for (o, a) in out.0.iter_mut().zip(self.0.iter()) {
            let p = *a as u128 * k as u128 + carry;
            *o = p as u64;
            carry = p >> 64;
        }
        out
    }
}

impl PartialOrd for Big {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

impl Ord for Big {
    fn cmp(&self, other: &Self) -> Ordering {
        for (a, b) in self.0.iter().rev().zip(other.0.iter().rev()) {
            match a.cmp(b) {
                Ordering::Equal => continue,
                o => return o,
            }
        }
        Ordering::Equal
    }
}

/// `|a − b| · 2^BIAS` for finite `a`, `b`.
pub fn scaled_abs_diff(a: &Finite, b: &Finite) -> Big {
    let (x, y) = (Big::from_finite(a), Big::from_finite(b));
    if a.negative == b.negative {
        x.abs_diff(&y)
    } else {
        x.add(&y)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn classify_round_values() {
        assert_eq!(
            classify_f64(1.0f64.to_bits()),
            Class::Finite(Finite {
                negative: false,
                mantissa: 1 << 52,
                exponent: -52
            })
        );
        assert_eq!(
            classify_f32((-2.0f32).to_bits()),
            Class::Finite(Finite {
                negative: true,
                mantissa: 1 << 23,
                exponent: -22
            })
        );
        assert_eq!(classify_f32(f32::NAN.to_bits()), Class::Nan);
        assert_eq!(classify_f64(f64::NEG_INFINITY.to_bits()), Class::Inf(true));
        assert_eq!(
            classify_f64(5e-324f64.to_bits()),
            Class::Finite(Finite {
                negative: false,
                mantissa: 1,
                exponent: -1074
            })
        );
    }

    #[test]
    fn big_arithmetic() {
        let a = Big::shifted(3, 130);
        let b = Big::shifted(1, 131);
        assert_eq!(a.abs_diff(&b), Big::shifted(1, 130));
        assert_eq!(b.abs_diff(&a), Big::shifted(1, 130));
        assert_eq!(a.add(&b), Big::shifted(5, 130));
        assert_eq!(
            Big::shifted(u64::MAX, 60).mul_small(2),
            Big::shifted(u64::MAX, 61)
        );
        let max = Big::from_finite(&match classify_f64(f64::MAX.to_bits()) {
            Class::Finite(f) => f,
            _ => unreachable!(),
        });
        // Largest product used: 2 · max · u64::MAX still fits.
        let p = max.add(&max).mul_small(u64::MAX);
        assert!(p > max);
        assert_eq!(Big::shifted(1, 0).abs_diff(&Big::shifted(1, 2000)), {
            let mut b = Big::shifted(1, 2000);
            b = b.abs_diff(&Big::shifted(1, 0));
            b
        });
    }
}
