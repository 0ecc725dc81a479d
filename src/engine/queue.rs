//! The future-event list: a binary heap keyed on `(time, insertion sequence)`.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

/// A scheduled entry. Ordered so the `BinaryHeap` (a max-heap) pops the
/// earliest time first and, on equal times, the earliest insertion (FIFO).
///
/// The time is kept as its IEEE-754 bit pattern: for the non-negative
/// finite times of a simulation, bit patterns order exactly like the
/// numbers, and integer comparisons are cheaper than `f64::total_cmp` in
/// the sift-down that dominates `pop`.
#[derive(Debug, Clone, Copy)]
struct Entry<E> {
    /// [`key`] of time and insertion number.
    key: u128,
    event: E,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.cmp(other) == Ordering::Equal
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        // Reversed: smaller (time, seq) is "greater" so it pops first.
        other.key.cmp(&self.key)
    }
}

/// The order key of an event: time bits, then insertion number, packed so
/// one integer comparison orders two events (see [`EventQueue::take_seq`]).
/// `+ 0.0` makes -0.0 into +0.0, so the two do not differ.
#[inline]
pub fn key(time: f64, seq: u64) -> u128 {
    (u128::from((time + 0.0).to_bits()) << 64) | u128::from(seq)
}

/// The time of an order key.
#[inline]
pub fn key_time(key: u128) -> f64 {
    f64::from_bits((key >> 64) as u64)
}

/// A deterministic priority queue of events.
///
/// Ties in time are broken by insertion order, so a run never depends on the
/// heap's internal layout. Capacity is kept between pops, so once the queue has
/// reached its working size no event allocates.
#[derive(Debug, Clone)]
pub struct EventQueue<E> {
    heap: BinaryHeap<Entry<E>>,
    seq: u64,
}

impl<E: Copy> EventQueue<E> {
    /// An empty queue with room for `capacity` events.
    pub fn with_capacity(capacity: usize) -> Self {
        Self {
            heap: BinaryHeap::with_capacity(capacity),
            seq: 0,
        }
    }

    /// Schedules `event` at `time` (minutes, finite and >= 0).
    #[inline]
    pub fn push(&mut self, time: f64, event: E) {
        debug_assert!(time.is_finite() && time >= 0.0, "event scheduled at {time}");
        self.heap.push(Entry {
            key: key(time, self.seq),
            event,
        });
        self.seq += 1;
    }

    /// Takes the next insertion number without scheduling anything, for an
    /// event kept outside the heap that must still order as if pushed now.
    #[inline]
    pub fn take_seq(&mut self) -> u64 {
        self.seq += 1;
        self.seq - 1
    }

    /// Order key of the earliest event, `u128::MAX` when empty.
    #[inline]
    pub fn peek_key(&self) -> u128 {
        self.heap.peek().map_or(u128::MAX, |e| e.key)
    }

    /// Removes and returns the earliest event.
    #[inline]
    pub fn pop(&mut self) -> Option<(f64, E)> {
        self.heap.pop().map(|e| (key_time(e.key), e.event))
    }

    /// Number of scheduled events.
    pub fn len(&self) -> usize {
        self.heap.len()
    }

    /// Whether nothing is scheduled.
    pub fn is_empty(&self) -> bool {
        self.heap.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pops_in_time_order_and_fifo_on_ties() {
        let mut q = EventQueue::with_capacity(4);
        q.push(5.0, 'a');
        q.push(1.0, 'b');
        q.push(5.0, 'c');
        q.push(1.0, 'd');
        q.push(0.5, 'e');
        let order: Vec<char> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!['e', 'b', 'd', 'a', 'c']);
    }

    proptest::proptest! {
        #[test]
        fn always_pops_a_sorted_stable_sequence(times in proptest::collection::vec(0u8..20, 0..200)) {
            let mut q = EventQueue::with_capacity(0);
            for (i, t) in times.iter().enumerate() {
                q.push(f64::from(*t), i);
            }
            let mut expected: Vec<(u8, usize)> = times.iter().copied().zip(0..).collect();
            expected.sort();
            let got: Vec<usize> = std::iter::from_fn(|| q.pop().map(|(_, i)| i)).collect();
            proptest::prop_assert_eq!(got, expected.into_iter().map(|(_, i)| i).collect::<Vec<_>>());
        }
    }
}
