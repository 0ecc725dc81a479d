//! The hot loop does not allocate per event: running ten times longer costs
//! (almost) no extra allocations. Counted by a global allocator that counts
//! allocations made on the current thread only, so parallel tests do not
//! disturb the count.

use std::alloc::{GlobalAlloc, Layout, System};
use std::cell::Cell;

use policesim::Scenario;
use policesim::engine::{RunSpec, Sim};
use policesim::incidents::{Generator, StreamModel};

thread_local! {
    static ALLOCATIONS: Cell<u64> = const { Cell::new(0) };
}

struct Counting;

// SAFETY: forwards every call to the system allocator unchanged.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.alloc(layout) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        let _ = ALLOCATIONS.try_with(|c| c.set(c.get() + 1));
        unsafe { System.realloc(ptr, layout, new_size) }
    }
}

#[global_allocator]
static COUNTING: Counting = Counting;

fn allocations() -> u64 {
    ALLOCATIONS.with(Cell::get)
}

#[test]
fn ten_times_the_days_adds_almost_no_allocations() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/huimin.toml");
    let s = Scenario::load(path).unwrap();
    let model = StreamModel::new(&s);
    for cfg in &s.strategies {
        let plan = cfg.plan(&s).unwrap();
        let run = |days: f64| {
            let spec = RunSpec {
                horizon_min: days * 1440.0,
                warmup_min: 0.0,
                ready_delay_min: cfg.ready_delay_min(&s),
                case_factor: cfg.case_factor(),
                per_incident: false,
            };
            let before = allocations();
            let sim = Sim::new(&s, &plan.fleet, &plan.roster, spec);
            let out = cfg.run(
                sim,
                &plan,
                Generator::new(&s, &model, 9, 0, spec.horizon_min),
            );
            (allocations() - before, out.events)
        };
        let (short, short_events) = run(60.0);
        let (long, long_events) = run(600.0);
        assert!(
            long_events > 9 * short_events,
            "{long_events} vs {short_events}"
        );
        let extra = long.saturating_sub(short);
        // Histograms and queues may grow a few times; per-event allocation
        // would add hundreds of thousands.
        assert!(
            extra < 200,
            "{}: {extra} more allocations for {} more events",
            cfg.name(),
            long_events - short_events
        );
    }
}
