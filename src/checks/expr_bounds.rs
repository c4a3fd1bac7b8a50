//! What a CEL expression may create out of nothing, judged before it runs.
//!
//! The `cel` crate has no evaluation hooks (no step counter, no memory
//! budget, no cancellation), so the work an expression can create from its
//! own literals is bounded when it is compiled: `lists.range(n)` takes a
//! literal `n` of at most [`limits::CEL_RANGE`], and the elements that
//! nested comprehensions over literal lists and ranges would create (the
//! product of their sizes along each nesting) are at most
//! [`limits::CEL_GENERATED`]. Work over the target's facts is bounded by the
//! facts' own bounds (walks, files, nodes) and, in time, by the engine's
//! per-check deadline.

use crate::limits;
use cel::common::ast::{EntryExpr, Expr, LiteralValue};
use cel::IdedExpr;

/// Check an expression's generated work against the bounds.
pub fn check(e: &IdedExpr) -> Result<(), String> {
    let cost = generated(e, 1)?;
    if cost > limits::CEL_GENERATED {
        return Err(format!(
            "expression may create {cost} elements from its own lists and ranges (limit {})",
            limits::CEL_GENERATED
        ));
    }
    Ok(())
}

/// The size of the list `e` evaluates to when it is built from literals
/// (`[..]`, `lists.range(n)`), or 1 (data from the facts, or a scalar).
fn literal_len(e: &IdedExpr) -> Result<u64, String> {
    Ok(match &e.expr {
        Expr::List(l) => l.elements.len() as u64,
        Expr::Call(c) if c.func_name == "lists.range" || c.func_name == "range" => range_size(c.args.first())?,
        Expr::Comprehension(c) => literal_len(&c.iter_range)?,
        _ => 1,
    })
}

/// The size of `lists.range(arg)` when it is a literal (at most
/// [`limits::CEL_RANGE`]), or 1 when it is computed from the facts
/// (`lists.range(size(E))`: as large as the data, no larger); a size
/// computed from constants, or multiplied, is refused.
fn range_size(arg: Option<&IdedExpr>) -> Result<u64, String> {
    let refused = || format!("lists.range needs a literal size (at most {}) or a fact's size", limits::CEL_RANGE);
    match arg.map(|a| &a.expr) {
        Some(Expr::Literal(LiteralValue::Int(n))) => {
            let n = *n.inner();
            if n < 0 || n as u64 > limits::CEL_RANGE {
                return Err(format!("lists.range({n}): the size must be at most {}", limits::CEL_RANGE));
            }
            Ok(n as u64)
        }
        Some(_) if arg.is_some_and(|a| reads_data(a) && !multiplies(a)) => Ok(1),
        _ => Err(refused()),
    }
}

/// `e` refers to a variable (a fact, `params`, an iteration variable).
fn reads_data(e: &IdedExpr) -> bool {
    any(e, &|x| matches!(x, Expr::Ident(_)))
}

/// `e` multiplies (or shifts) something.
fn multiplies(e: &IdedExpr) -> bool {
    any(e, &|x| matches!(x, Expr::Call(c) if c.func_name == "_*_"))
}

fn any(e: &IdedExpr, pred: &dyn Fn(&Expr) -> bool) -> bool {
    if pred(&e.expr) {
        return true;
    }
    match &e.expr {
        Expr::Call(c) => c.target.as_deref().is_some_and(|t| any(t, pred)) || c.args.iter().any(|a| any(a, pred)),
        Expr::List(l) => l.elements.iter().any(|a| any(a, pred)),
        Expr::Select(s) => any(&s.operand, pred),
        Expr::Map(m) => m.entries.iter().any(|en| match &en.expr {
            EntryExpr::MapEntry(me) => any(&me.key, pred) || any(&me.value, pred),
            _ => false,
        }),
        Expr::Comprehension(c) => {
            [&c.iter_range, &c.accu_init, &c.loop_cond, &c.loop_step, &c.result].into_iter().any(|a| any(a, pred))
        }
        _ => false,
    }
}

/// Elements created by `e` when every enclosing comprehension repeats it
/// `times` times; saturating.
fn generated(e: &IdedExpr, times: u64) -> Result<u64, String> {
    let sum = |parts: &mut dyn Iterator<Item = &IdedExpr>, times: u64| -> Result<u64, String> {
        let mut total = 0u64;
        for p in parts {
            total = total.saturating_add(generated(p, times)?);
        }
        Ok(total)
    };
    Ok(match &e.expr {
        Expr::List(l) => {
            times.saturating_mul(l.elements.len() as u64).saturating_add(sum(&mut l.elements.iter(), times)?)
        }
        Expr::Map(m) => {
            let mut parts = Vec::new();
            for entry in &m.entries {
                if let EntryExpr::MapEntry(me) = &entry.expr {
                    parts.push(&me.key);
                    parts.push(&me.value);
                }
            }
            times.saturating_mul(m.entries.len() as u64).saturating_add(sum(&mut parts.into_iter(), times)?)
        }
        Expr::Call(c) => {
            let own = if c.func_name == "lists.range" || c.func_name == "range" {
                times.saturating_mul(range_size(c.args.first())?)
            } else {
                0
            };
            let target = match &c.target {
                Some(t) => generated(t, times)?,
                None => 0,
            };
            own.saturating_add(target).saturating_add(sum(&mut c.args.iter(), times)?)
        }
        Expr::Comprehension(c) => {
            let inner = times.saturating_mul(literal_len(&c.iter_range)?.max(1));
            let outer = sum(&mut [&c.iter_range, &c.accu_init, &c.result].into_iter(), times)?;
            outer.saturating_add(sum(&mut [&c.loop_cond, &c.loop_step].into_iter(), inner)?)
        }
        Expr::Select(s) => generated(&s.operand, times)?,
        _ => 0,
    })
}

#[cfg(test)]
mod tests {
    use super::super::expr::compile;

    #[test]
    fn generated_work_is_bounded_at_compile_time() {
        assert!(compile("lists.range(10).map(x, x * 2).size() == 10").is_ok());
        assert!(compile("lists.range(1000000).size() > 0").unwrap_err().contains("at most"));
        assert!(compile("lists.range(1000 * 1000).size() > 0").unwrap_err().contains("literal size"));
        assert!(compile("lists.range(size(E) * 1000).size() > 0").unwrap_err().contains("literal size"));
        assert!(compile("lists.range(size(E)).filter(i, E[i] > 0).size() > 0").is_ok());
        let nested = "lists.range(10000).map(a, lists.range(10000).map(b, a + b)).size() > 0";
        assert!(compile(nested).unwrap_err().contains("elements"), "nested ranges multiply");
        let distinct = "lists.range(10000).map(a, lists.range(1000)).flatten().distinct().size() > 0";
        assert!(compile(distinct).is_err());
        // Work over facts is not generated work.
        assert!(compile("tree.entries.map(a, tree.entries.exists(b, a == b))").is_ok());
    }
}
