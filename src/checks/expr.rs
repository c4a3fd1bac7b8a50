//! Predicates in CEL (the Common Expression Language, `cel` crate).
//!
//! CEL is non-Turing-complete, has no side effects, and a misspelt field is
//! an error rather than a silent `null` (a missed finding). Expressions are
//! guarded: length and nesting are capped at load time, and the engine
//! evaluates them on worker threads with a large stack and a time budget.

use cel::common::types::{CelBool, CelList, CelString, Kind};
use cel::common::value::{CowVal, Val};
use cel::context::VariableResolver;
use cel::objects::{Key, Map};
use cel::parser::Expression;
use cel::{Context, Env, ExecutionError, Value};
use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

/// Longest expression accepted.
pub const MAX_EXPR_LEN: usize = crate::limits::EXPR_BYTES;
/// Deepest bracket nesting accepted (guards the recursive parser's stack).
pub const MAX_NESTING: usize = crate::limits::EXPR_NESTING;

/// A compiled expression with its source text.
#[derive(Debug)]
pub struct Expr {
    pub source: String,
    expression: Expression,
}

fn env() -> Arc<Env> {
    static ENV: OnceLock<Arc<Env>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Env::stdlib();
        // The strings and lists extensions are CEL's standard ones (join,
        // split, lowerAscii, …); declaring them twice is impossible here.
        let _ = env.add_extension(cel::extensions::strings);
        let _ = env.add_extension(cel::extensions::lists);
        // `matches`, as a function and as a string method.
        let _ = cel::add_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>, id = "matches");
        let _ = cel::add_member_overload!(env, fn matches: (CelString, CelString) -> Result<CelBool>);
        // The list helpers (`to_set`, `duplicates`, `index_by`, `take`), linear.
        super::expr_lists::declare(&mut env);
        Arc::new(env)
    })
    .clone()
}

/// CEL's `matches` (RE2 syntax, the `regex` crate, linear time): a
/// pattern is compiled once per scan, not once per item judged. The cache
/// holds at most [`crate::limits::REGEX_CACHE`] patterns.
fn matches(this: &CelString<'_>, re: &CelString<'_>) -> Result<CelBool, ExecutionError> {
    static CACHE: OnceLock<Mutex<HashMap<String, regex::Regex>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    let hit = cache.lock().unwrap_or_else(|p| p.into_inner()).get(re.inner()).cloned();
    let compiled = match hit {
        Some(compiled) => compiled,
        None => {
            let compiled = regex::Regex::new(re.inner()).map_err(|err| ExecutionError::FunctionError {
                function: "matches".to_string(),
                message: format!("'{}' not a valid regex:\n{err}", re.inner()),
            })?;
            let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
            if map.len() >= crate::limits::REGEX_CACHE {
                map.clear();
            }
            map.insert(re.inner().to_string(), compiled.clone());
            compiled
        }
    };
    Ok(CelBool::from(compiled.is_match(this.inner())))
}

fn nesting(src: &str) -> usize {
    let (mut depth, mut max) = (0usize, 0usize);
    let mut quote: Option<char> = None;
    let mut escaped = false;
    for c in src.chars() {
        if let Some(q) = quote {
            if escaped {
                escaped = false;
            } else if c == '\\' {
                escaped = true;
            } else if c == q {
                quote = None;
            }
            continue;
        }
        match c {
            '\'' | '"' => quote = Some(c),
            '(' | '[' | '{' => {
                depth += 1;
                max = max.max(depth);
            }
            ')' | ']' | '}' => depth = depth.saturating_sub(1),
            _ => {}
        }
    }
    max
}

/// [`compile`], shared: an expression many definitions hold (`false`, a
/// common `applies`) is compiled once per process, and its program shared.
pub fn compile_shared(src: &str) -> Result<Arc<Expr>, String> {
    static CACHE: OnceLock<Mutex<HashMap<String, Arc<Expr>>>> = OnceLock::new();
    let cache = CACHE.get_or_init(Default::default);
    if let Some(hit) = cache.lock().unwrap_or_else(|p| p.into_inner()).get(src) {
        return Ok(hit.clone());
    }
    let compiled = Arc::new(compile(src)?);
    let mut map = cache.lock().unwrap_or_else(|p| p.into_inner());
    if map.len() >= crate::limits::EXPR_CACHE {
        map.clear();
    }
    map.insert(src.to_string(), compiled.clone());
    Ok(compiled)
}

/// Compile an expression, enforcing the size limits.
pub fn compile(src: &str) -> Result<Expr, String> {
    if src.len() > MAX_EXPR_LEN {
        return Err(format!("expression is {} bytes long (limit {MAX_EXPR_LEN})", src.len()));
    }
    let depth = nesting(src);
    if depth > MAX_NESTING {
        return Err(format!("expression nests {depth} levels deep (limit {MAX_NESTING})"));
    }
    // Long chains of binary operators recurse in the parser as brackets do.
    let operators = src.matches("&&").count() + src.matches("||").count() + src.matches(" + ").count();
    if operators > crate::limits::EXPR_OPERATORS {
        return Err(format!("expression has {operators} operators (limit {})", crate::limits::EXPR_OPERATORS));
    }
    let expression = parse(src)?;
    super::expr_bounds::check(&expression)?;
    Ok(Expr { source: src.to_string(), expression })
}

/// Parse with the `cel` crate's Pratt parser, seven times faster than its
/// ANTLR one (compiling the built-in checks' CEL was a quarter of a
/// scan's time) and giving the same tree for every built-in expression
/// (a test holds them to it). It knows the standard macros only: an
/// expression naming `sortBy` (the lists extension's macro), and one it
/// refuses, go to the environment's own parser, whose error is reported.
fn parse(src: &str) -> Result<Expression, String> {
    if !src.contains("sortBy") {
        if let Ok(expression) = cel::parser::PrattParser::new().parse(src) {
            return Ok(expression);
        }
    }
    env()
        .compile(src)
        .map(|program| program.expression().clone())
        .map_err(|e| format!("invalid CEL: {}", e.to_string().trim().replace('\n', " ")))
}

/// A fresh evaluation context with hardcheck's helper functions.
pub fn context<'a>() -> Context<'a, 'a> {
    let mut ctx = Context::with_env(env());
    // mode_within(mode, '0644'): no permission bit beyond the allowed ones.
    let _ = ctx.add_function("mode_within", |mode: i64, max: Arc<String>| -> bool {
        match i64::from_str_radix(max.trim_start_matches("0o"), 8) {
            Ok(max) => mode & !max & 0o7777 == 0,
            Err(_) => false,
        }
    });
    // mode_has(mode, '0002'): any of the given bits set.
    let _ = ctx.add_function("mode_has", |mode: i64, bits: Arc<String>| -> bool {
        match i64::from_str_radix(bits.trim_start_matches("0o"), 8) {
            Ok(bits) => mode & bits != 0,
            Err(_) => false,
        }
    });
    ctx
}

/// A value converted to CEL's runtime form once per scan, and lent to
/// every check that reads it (see [`Shared`]) instead of copied into each
/// check's context.
pub type Converted = Box<dyn Val>;

/// A fact's JSON in CEL's runtime form, built directly (no intermediate
/// [`Value`] tree) and taking the JSON's strings instead of copying them:
/// converted once per scan, the JSON is dropped after. Integers become
/// `int` (a number beyond `i64`, `double`), as [`to_cel`] does; object keys
/// are shared across the fact (see [`key`]), and each map is shared by the
/// copies CEL makes of it ([`super::expr_shared::SharedMap`]).
pub fn into_val(v: serde_json::Value) -> Converted {
    use cel::common::types::{CelDouble, CelInt, CelMap, CelNull};
    match v {
        serde_json::Value::Null => Box::new(CelNull),
        serde_json::Value::Bool(b) => Box::new(CelBool::from(b)),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Box::new(CelInt::from(i)),
            None => Box::new(CelDouble::from(n.as_f64().unwrap_or(0.0))),
        },
        serde_json::Value::String(s) => Box::new(CelString::from(s)),
        serde_json::Value::Array(a) => Box::new(CelList::from(a.into_iter().map(into_val).collect::<Vec<_>>())),
        serde_json::Value::Object(o) => {
            let map: HashMap<_, _> = o.into_iter().map(|(k, v)| (key(k), into_val(v))).collect();
            Box::new(super::expr_shared::SharedMap::new(CelMap::from(map)))
        }
    }
}

/// Most distinct object keys shared (see [`key`]).
const SHARED_KEYS: usize = 4096;
/// Longest object key shared.
const SHARED_KEY_LEN: usize = 64;

/// A map key of a fact. The facts' keys are a small vocabulary (`path`,
/// `line`, `name`, …) repeated on every item: each distinct key is stored
/// once for the life of the process and borrowed by every map that uses it
/// (10,000 accounts held `path` 10,000 times). Bounded: past
/// [`SHARED_KEYS`] distinct keys, or for a key longer than
/// [`SHARED_KEY_LEN`], a key owns its bytes, as before.
fn key(k: String) -> cel::common::types::CelMapKey<'static> {
    use cel::common::types::CelMapKey;
    static KEYS: OnceLock<Mutex<std::collections::HashSet<&'static str>>> = OnceLock::new();
    if k.len() > SHARED_KEY_LEN {
        return CelMapKey::from(k);
    }
    let mut keys = KEYS.get_or_init(Default::default).lock().unwrap_or_else(|p| p.into_inner());
    if let Some(shared) = keys.get(k.as_str()) {
        return CelMapKey::from(*shared);
    }
    if keys.len() >= SHARED_KEYS {
        return CelMapKey::from(k);
    }
    let shared: &'static str = Box::leak(k.into_boxed_str());
    keys.insert(shared);
    CelMapKey::from(shared)
}

/// The facts one check reads, by name, lent to its evaluation context: a
/// variable is looked up here and borrowed, never copied (a fact of 10,000
/// accounts is not copied for each of the checks that read it).
#[derive(Default)]
pub struct Shared {
    vars: Vec<(String, Arc<Fact>)>,
}

/// A fact in runtime form, with what could not be read for it.
pub type Fact = (Converted, Vec<crate::target::ReadError>);

impl Shared {
    pub fn add(&mut self, name: &str, value: Arc<Fact>) {
        self.vars.push((name.to_string(), value));
    }
}

impl VariableResolver for Shared {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        self.vars.iter().find(|(n, _)| n == variable).map(|(_, v)| CowVal::Borrowed(v.0.as_ref()))
    }
}

/// The item an `expect` judges, lent to its scope as `it` (not copied: a
/// map item copied for each of 10,000 accounts and each check was most of
/// the allocation of a scan).
pub struct Item<'a, 'v>(pub &'a (dyn Val + 'v));

impl VariableResolver for Item<'_, '_> {
    fn resolve<'b>(&'b self, variable: &str) -> Option<CowVal<'b, 'b>> {
        (variable == "it").then(|| CowVal::Borrowed(self.0))
    }
}

/// Items of a `for_each`: a list borrowed from the facts when the
/// expression names one, else values of their own.
pub enum Items<'b, 'v> {
    List(CowVal<'b, 'v>),
    Owned(Vec<Box<dyn Val + 'v>>),
}

impl<'v> Items<'_, 'v> {
    /// The items, in order.
    pub fn as_slice(&self) -> &[Box<dyn Val + 'v>] {
        match self {
            Items::List(l) => l.as_ref().downcast_ref::<CelList>().map_or(&[], |l| l.inner()),
            Items::Owned(v) => v,
        }
    }
}

/// A runtime value as JSON (for evidence and messages).
pub fn val_to_json(v: &dyn Val) -> serde_json::Value {
    Value::try_from(v).map(|v| to_json(&v)).unwrap_or(serde_json::Value::Null)
}

impl Expr {
    /// The items of a `for_each` expression: a list (borrowed from the
    /// facts when the expression names one), a single map, or none (null).
    pub fn eval_items<'b, 'v>(&'b self, ctx: &'b Context<'_, 'v>) -> Result<Items<'b, 'v>, String> {
        let v = Value::resolve_val(&self.expression, ctx).map_err(|e| format!("evaluating `{}`: {e}", self.source))?;
        match v.as_ref().get_type().kind() {
            Kind::List if v.as_ref().downcast_ref::<CelList>().is_some() => Ok(Items::List(v)),
            Kind::NullType => Ok(Items::Owned(Vec::new())),
            Kind::Map => Ok(Items::Owned(vec![v.as_ref().clone_as_boxed()])),
            _ => {
                let other = Value::try_from(v.as_ref()).map(|v| type_name(&v)).unwrap_or("another type");
                Err(format!("`{}` gave {other} where a list was expected", self.source))
            }
        }
    }

    pub fn eval(&self, ctx: &Context) -> Result<Value, String> {
        Value::resolve(&self.expression, ctx).map_err(|e| format!("evaluating `{}`: {e}", self.source))
    }

    pub fn eval_bool(&self, ctx: &Context) -> Result<bool, String> {
        match self.eval(ctx)? {
            Value::Bool(b) => Ok(b),
            other => Err(format!("`{}` gave {} where a bool was expected", self.source, type_name(&other))),
        }
    }

    pub fn eval_list(&self, ctx: &Context) -> Result<Arc<Vec<Value>>, String> {
        match self.eval(ctx)? {
            Value::List(l) => Ok(l),
            Value::Null => Ok(Arc::new(Vec::new())),
            Value::Map(m) => Ok(Arc::new(vec![Value::Map(m)])),
            other => Err(format!("`{}` gave {} where a list was expected", self.source, type_name(&other))),
        }
    }
}

fn type_name(v: &Value) -> &'static str {
    match v {
        Value::List(_) => "a list",
        Value::Map(_) => "a map",
        Value::Int(_) | Value::UInt(_) => "an int",
        Value::Float(_) => "a double",
        Value::String(_) => "a string",
        Value::Bool(_) => "a bool",
        Value::Null => "null",
        _ => "another type",
    }
}

/// Convert a JSON value (how collectors build facts) into a CEL value.
/// Integers become `int`, never `uint`, so `it.value > 4` just works.
pub fn to_cel(v: &serde_json::Value) -> Value {
    match v {
        serde_json::Value::Null => Value::Null,
        serde_json::Value::Bool(b) => Value::Bool(*b),
        serde_json::Value::Number(n) => match n.as_i64() {
            Some(i) => Value::Int(i),
            None => Value::Float(n.as_f64().unwrap_or(0.0)),
        },
        serde_json::Value::String(s) => Value::String(Arc::new(s.clone())),
        serde_json::Value::Array(a) => Value::List(Arc::new(a.iter().map(to_cel).collect())),
        serde_json::Value::Object(o) => {
            let map: HashMap<Key, Value> = o.iter().map(|(k, v)| (Key::from(k.as_str()), to_cel(v))).collect();
            Value::Map(Map { map: Arc::new(map) })
        }
    }
}

/// Convert a CEL value back to JSON (for evidence and messages).
pub fn to_json(v: &Value) -> serde_json::Value {
    match v {
        Value::Null => serde_json::Value::Null,
        Value::Bool(b) => (*b).into(),
        Value::Int(i) => (*i).into(),
        Value::UInt(u) => (*u).into(),
        Value::Float(f) => serde_json::Number::from_f64(*f).map(serde_json::Value::Number).unwrap_or_default(),
        Value::String(s) => s.as_str().into(),
        Value::List(l) => serde_json::Value::Array(l.iter().map(to_json).collect()),
        Value::Map(m) => {
            let mut o = serde_json::Map::new();
            for (k, v) in m.map.iter() {
                let key = match k {
                    Key::String(s) => s.to_string(),
                    Key::Int(i) => i.to_string(),
                    Key::Uint(u) => u.to_string(),
                    Key::Bool(b) => b.to_string(),
                };
                o.insert(key, to_json(v));
            }
            serde_json::Value::Object(o)
        }
        other => serde_json::Value::String(format!("{other:?}")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_are_enforced() {
        assert!(compile(&"(".repeat(40)).is_err());
        assert!(compile(&"x".repeat(MAX_EXPR_LEN + 1)).is_err());
        assert!(compile(&vec!["true"; 300].join(" && ")).is_err());
        assert!(compile("[1, 2].all(x, x > 0)").is_ok());
    }

    #[test]
    fn helpers_and_conversion() {
        let mut ctx = context();
        ctx.add_variable_from_value("it", to_cel(&serde_json::json!({"mode": 0o644, "n": 5})));
        assert_eq!(compile("mode_within(it.mode, '0644') && it.n > 4").unwrap().eval_bool(&ctx), Ok(true));
        assert_eq!(compile("mode_has(it.mode, '0002')").unwrap().eval_bool(&ctx), Ok(false));
        assert!(compile("it.misspelt == 1").unwrap().eval_bool(&ctx).is_err());
    }

    #[test]
    fn direct_conversion_gives_what_the_value_route_gives() {
        let long_key = "k".repeat(SHARED_KEY_LEN + 1);
        let v = serde_json::json!({
            "entries": [{"path": "/etc/passwd", "line": 3, "uid": 0, "ok": true, "none": null},
                        {"big": u64::MAX, "ratio": 0.5, "neg": -7, "list": [1, "two", [3]], long_key.clone(): "x"}],
            "": "empty key"
        });
        let direct = into_val(v.clone());
        let via_value = Converted::try_from(to_cel(&v)).unwrap();
        assert_eq!(val_to_json(direct.as_ref()), val_to_json(via_value.as_ref()));
        assert_eq!(val_to_json(direct.as_ref())["entries"][1][&long_key], "x");
        // Shared keys are found by CEL as any key is.
        let shared = Shared { vars: vec![("f".into(), Arc::new((direct, Vec::new())))] };
        let mut ctx = context();
        ctx.set_variable_resolver(&shared);
        let src = "f.entries[0].uid == 0 && 'path' in f.entries[0] && f.entries[1].big > 1.0";
        assert_eq!(compile(src).unwrap().eval_bool(&ctx), Ok(true));
    }
}

#[cfg(test)]
mod parsers {
    /// Every built-in expression parses to the same tree with the Pratt
    /// parser as with the environment's ANTLR parser (node ids aside: they
    /// only locate nodes in the source, evaluation never reads them).
    #[test]
    fn pratt_and_antlr_agree_on_every_builtin_expression() {
        let ids = regex::Regex::new(r"id: \d+").unwrap();
        let tree = |e: &super::Expression| ids.replace_all(&format!("{e:?}"), "id: _").into_owned();
        let mut seen = 0;
        for check in crate::checks::definition::load_all(&[]).unwrap() {
            let d = &check.def;
            for src in [&d.applies, &d.for_each, &d.expect].into_iter().flatten() {
                let pratt = cel::parser::PrattParser::new().parse(src).unwrap_or_else(|e| panic!("{}: {e}", d.id));
                let antlr = super::env().compile(src).unwrap().expression().clone();
                assert_eq!(tree(&pratt), tree(&antlr), "{}: {src}", d.id);
                seen += 1;
            }
        }
        assert!(seen > 300, "only {seen} expressions");
    }

    /// Errors still come from the ANTLR parser, with their position.
    #[test]
    fn invalid_expressions_report_the_antlr_error() {
        let e = super::compile("a.b(").unwrap_err();
        assert!(e.starts_with("invalid CEL:"), "{e}");
    }
}
