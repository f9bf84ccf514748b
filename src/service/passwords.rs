//! Passwords, kept as argon2id PHC strings, and the bound on hashing them.
//!
//! One argon2id hash works in 19 MiB of memory. Left to the allocator, every
//! thread that ever hashed keeps its 19 MiB, and a burst of logins runs as many
//! hashes at once as the blocking pool has threads. So every hash and every
//! check goes through one [`Hasher`]: at most `slots` run at once, at most
//! `queue` more wait for a slot, and a caller past that is told to come back
//! ([`AppError::Busy`], 503 with `Retry-After`). The working memory is mapped
//! straight from the operating system, reused while hashes keep coming and
//! unmapped as soon as none runs or waits, so a burst leaves nothing behind.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};

use argon2::password_hash::rand_core::OsRng;
use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use memmap2::{MmapMut, MmapOptions};

use super::error::{AppError, AppResult};
use crate::config::Config;

/// OWASP's argon2id baseline: 19 MiB, 2 passes, 1 lane.
const M_COST_KIB: u32 = 19 * 1024;
const T_COST: u32 = 2;
const P_COST: u32 = 1;

/// What a caller past the queue is told: a hash takes a few tens of
/// milliseconds, so the queue has moved on within a second.
const RETRY_AFTER_SECS: u64 = 1;

/// A hash of a password nobody has, with the parameters above: checking a
/// password for an unknown account (or one without a password yet) costs the
/// same as for a real one, so response times do not tell which accounts exist.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$ww0IGyY5PEJ4CvinyXcAhg$eF3RUszdyLl1SOWec9GahIhW28UvmmzBpUw0RFgXxkk";

fn params() -> AppResult<Params> {
    Params::new(M_COST_KIB, T_COST, P_COST, None).map_err(|e| anyhow::anyhow!("argon2 parameters: {e}").into())
}

/// The one gate every password hash passes.
pub struct Hasher {
    slots: usize,
    queue: usize,
    gate: Mutex<Gate>,
    handed_over: Condvar,
    /// Bytes of working memory mapped now, in use or spare.
    mapped: Arc<AtomicUsize>,
}

#[derive(Default)]
struct Gate {
    /// Slots taken, including those handed to a waiter not yet awake.
    running: usize,
    /// Callers in the queue that no slot has been handed to yet.
    waiting: usize,
    /// Slots a finishing hash passed straight to the queue and no waiter has
    /// claimed yet: a newcomer cannot take them first.
    handed_over: usize,
    /// Working memory of finished hashes, for the next one.
    spare: Vec<Memory>,
}

impl Gate {
    /// With nothing running or waiting, the spare memory goes (to be dropped
    /// outside the lock).
    fn take_if_idle(&mut self) -> Vec<Memory> {
        if self.running == 0 && self.waiting == 0 { std::mem::take(&mut self.spare) } else { Vec::new() }
    }
}

impl Hasher {
    /// At most `slots` hashes at once (at least one), `queue` more waiting.
    pub fn new(slots: usize, queue: usize) -> Arc<Hasher> {
        Arc::new(Hasher {
            slots: slots.max(1),
            queue,
            gate: Mutex::default(),
            handed_over: Condvar::new(),
            mapped: Arc::default(),
        })
    }

    pub fn from_config(config: &Config) -> Arc<Hasher> {
        Hasher::new(config.hash_concurrency, config.hash_queue)
    }

    fn lock(&self) -> MutexGuard<'_, Gate> {
        // Nothing panics while holding the lock; a poisoned one is still consistent.
        self.gate.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Takes a slot if one is free, else a place in the queue; refuses with
    /// `Busy` when the queue is full. Never blocks, so it is called on the
    /// async workers before any thread is spent on the hash.
    pub fn admit(self: &Arc<Self>) -> AppResult<Admission> {
        let mut g = self.lock();
        let queued = if g.running < self.slots {
            g.running += 1;
            false
        } else if g.waiting < self.queue {
            g.waiting += 1;
            true
        } else {
            crate::metrics::HASH_BUSY.inc();
            return Err(AppError::Busy { retry_after_secs: RETRY_AFTER_SECS });
        };
        Ok(Admission { hasher: self.clone(), queued, used: false })
    }

    /// Hashes a new password, waiting on this thread for a slot.
    pub fn hash(self: &Arc<Self>, password: &str) -> AppResult<String> {
        self.admit()?.hash(password)
    }

    /// Checks a password, waiting on this thread for a slot.
    pub fn verify(self: &Arc<Self>, stored: Option<&str>, password: &str) -> AppResult<bool> {
        self.admit()?.verify(stored, password)
    }

    /// Slots taken and callers waiting, as (running, waiting).
    pub fn load(&self) -> (usize, usize) {
        let g = self.lock();
        (g.running, g.waiting + g.handed_over)
    }

    /// Working memory mapped now (0 once nothing runs or waits).
    pub fn mapped_bytes(&self) -> usize {
        self.mapped.load(Ordering::Relaxed)
    }

    /// Gives a slot back: to the queue if anyone waits, else free.
    fn release(&self, memory: Option<Memory>) {
        let freed = {
            let mut g = self.lock();
            g.spare.extend(memory);
            if g.waiting > 0 {
                g.waiting -= 1;
                g.handed_over += 1;
                self.handed_over.notify_one();
            } else {
                g.running -= 1;
            }
            g.take_if_idle()
        };
        drop(freed);
    }
}

/// A caller let through the gate: holding a slot, or a place in the queue.
pub struct Admission {
    hasher: Arc<Hasher>,
    queued: bool,
    used: bool,
}

impl Admission {
    /// Waits (blocking this thread) until the slot is ours.
    fn into_slot(mut self) -> Slot {
        if self.queued {
            let mut g = self.hasher.lock();
            while g.handed_over == 0 {
                g = self.hasher.handed_over.wait(g).unwrap_or_else(PoisonError::into_inner);
            }
            g.handed_over -= 1;
        }
        self.used = true;
        Slot { hasher: self.hasher.clone(), memory: None }
    }

    /// The PHC string of a new password.
    pub fn hash(self, password: &str) -> AppResult<String> {
        let mut slot = self.into_slot();
        let params = params()?;
        let salt = SaltString::generate(&mut OsRng);
        let mut salt_buf = [0u8; 64];
        let salt_bytes = salt.decode_b64(&mut salt_buf).map_err(|e| anyhow::anyhow!("salt: {e}"))?;
        let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
        let mut out = [0u8; Params::DEFAULT_OUTPUT_LEN];
        argon
            .hash_password_into_with_memory(
                password.as_bytes(),
                salt_bytes,
                &mut out,
                slot.memory(params.block_count())?,
            )
            .map_err(|e| anyhow::anyhow!("hashing: {e}"))?;
        let phc = PasswordHash {
            algorithm: Algorithm::Argon2id.ident(),
            version: Some(Version::V0x13.into()),
            params: ParamsString::try_from(&params).map_err(|e| anyhow::anyhow!("parameters: {e}"))?,
            salt: Some(salt.as_salt()),
            hash: Some(Output::new(&out).map_err(|e| anyhow::anyhow!("output: {e}"))?),
        };
        Ok(phc.to_string())
    }

    /// Whether the password matches the stored hash. With no hash (unknown
    /// account, invitation not accepted) the same work is spent on a dummy
    /// hash and the answer is no.
    pub fn verify(self, stored: Option<&str>, password: &str) -> AppResult<bool> {
        let mut slot = self.into_slot();
        let Ok(phc) = PasswordHash::new(stored.unwrap_or(DUMMY_HASH)) else {
            return Ok(false);
        };
        let (Some(salt), Some(expected)) = (phc.salt, phc.hash) else {
            return Ok(false);
        };
        let (Ok(algorithm), Ok(params)) = (Algorithm::try_from(phc.algorithm), Params::try_from(&phc)) else {
            return Ok(false);
        };
        let version = match phc.version.map(Version::try_from).transpose() {
            Ok(v) => v.unwrap_or_default(),
            Err(_) => return Ok(false),
        };
        let mut salt_buf = [0u8; 64];
        let Ok(salt_bytes) = salt.decode_b64(&mut salt_buf) else {
            return Ok(false);
        };
        let argon = Argon2::new(algorithm, version, params.clone());
        let memory = slot.memory(params.block_count())?;
        let computed = Output::init_with(expected.len(), |out| {
            argon.hash_password_into_with_memory(password.as_bytes(), salt_bytes, out, &mut *memory)?;
            Ok(())
        });
        // `Output`'s equality is constant-time.
        Ok(matches!(computed, Ok(c) if c == expected) && stored.is_some())
    }
}

impl Drop for Admission {
    /// A place given up without hashing (the caller went away) frees its slot
    /// or its place in the queue.
    fn drop(&mut self) {
        if self.used {
            return;
        }
        if !self.queued {
            self.hasher.release(None);
            return;
        }
        let freed = {
            let mut g = self.hasher.lock();
            if g.waiting > 0 {
                g.waiting -= 1;
            } else {
                // Every remaining waiter has a slot already, this one's too:
                // nobody is left to take it.
                g.handed_over -= 1;
                g.running -= 1;
            }
            g.take_if_idle()
        };
        drop(freed);
    }
}

/// A slot being used: at most `slots` exist at once.
struct Slot {
    hasher: Arc<Hasher>,
    memory: Option<Memory>,
}

impl Slot {
    /// `blocks` KiB of working memory: a spare one when it is big enough.
    fn memory(&mut self, blocks: usize) -> AppResult<&mut [Block]> {
        if self.memory.as_ref().is_none_or(|m| m.blocks < blocks) {
            let spare = self.hasher.lock().spare.pop();
            self.memory = match spare {
                Some(m) if m.blocks >= blocks => Some(m),
                _ => Some(Memory::map(blocks.max(M_COST_KIB as usize), &self.hasher.mapped)?),
            };
        }
        match self.memory.as_mut() {
            Some(m) => Ok(m.blocks()),
            None => Err(anyhow::anyhow!("no hashing memory").into()),
        }
    }
}

impl Drop for Slot {
    fn drop(&mut self) {
        self.hasher.release(self.memory.take());
    }
}

/// Working memory for one hash, mapped from the operating system (and given
/// back to it when dropped), not taken from the allocator's arenas.
struct Memory {
    map: MmapMut,
    blocks: usize,
    mapped: Arc<AtomicUsize>,
}

// The blocks are laid over the mapping: they must tile it exactly and the
// mapping's page alignment must satisfy theirs.
const _: () = assert!(size_of::<Block>() == Block::SIZE && align_of::<Block>() <= 4096);

impl Memory {
    fn map(blocks: usize, mapped: &Arc<AtomicUsize>) -> AppResult<Memory> {
        let map = MmapOptions::new()
            .len(blocks * Block::SIZE)
            .populate()
            .map_anon()
            .map_err(|e| anyhow::anyhow!("mapping {blocks} KiB for hashing: {e}"))?;
        mapped.fetch_add(blocks * Block::SIZE, Ordering::Relaxed);
        Ok(Memory { map, blocks, mapped: mapped.clone() })
    }

    fn blocks(&mut self) -> &mut [Block] {
        // SAFETY: the mapping is `blocks * Block::SIZE` bytes long, page-aligned
        // (more than `Block`'s alignment, checked above), zero-filled by the
        // kernel and borrowed exclusively through `&mut self` for the slice's
        // lifetime. `Block` is an array of `u64`, for which any bytes are a
        // valid value.
        unsafe { std::slice::from_raw_parts_mut(self.map.as_mut_ptr().cast::<Block>(), self.blocks) }
    }
}

impl Drop for Memory {
    fn drop(&mut self) {
        self.mapped.fetch_sub(self.blocks * Block::SIZE, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests;
