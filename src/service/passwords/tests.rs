use std::sync::atomic::AtomicBool;
use std::thread;
use std::time::Duration;

use argon2::PasswordVerifier;

use super::*;

const MIB_19: usize = 19 * 1024 * 1024;

#[test]
fn hashes_verify_in_the_same_phc_format() {
    let h = Hasher::new(1, 0);
    let phc = h.hash("đúng-mật-khẩu-1").unwrap();
    assert!(phc.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{phc}");
    assert!(h.verify(Some(&phc), "đúng-mật-khẩu-1").unwrap());
    assert!(!h.verify(Some(&phc), "sai-mật-khẩu-1").unwrap());
    assert!(!h.verify(None, "anything").unwrap());
    assert!(!h.verify(Some("not a hash"), "anything").unwrap());
    assert_ne!(phc, h.hash("đúng-mật-khẩu-1").unwrap(), "a fresh salt each time");
}

/// Hashes stored before the bound existed (made by the argon2 crate's own
/// hasher) keep verifying, and the crate's verifier accepts ours.
#[test]
fn hashes_agree_with_the_argon2_crate() {
    use argon2::password_hash::PasswordHasher;
    let reference = Argon2::new(Algorithm::Argon2id, Version::V0x13, params().unwrap());
    let salt = SaltString::generate(&mut OsRng);
    let old = reference.hash_password(b"mat-khau-cu-2025", &salt).unwrap().to_string();
    let h = Hasher::new(1, 0);
    assert!(h.verify(Some(&old), "mat-khau-cu-2025").unwrap());
    assert!(!h.verify(Some(&old), "mat-khau-moi-2026").unwrap());
    let ours = h.hash("mat-khau-moi-2026").unwrap();
    assert!(reference.verify_password(b"mat-khau-moi-2026", &PasswordHash::new(&ours).unwrap()).is_ok());
    // Other parameters (a future change of cost) still verify.
    let light = Argon2::new(Algorithm::Argon2id, Version::V0x13, Params::new(8 * 1024, 1, 1, None).unwrap());
    let light = light.hash_password(b"nhe-hon", &salt).unwrap().to_string();
    assert!(h.verify(Some(&light), "nhe-hon").unwrap());
}

#[test]
fn the_dummy_hash_costs_what_a_real_one_does() {
    let dummy = PasswordHash::new(DUMMY_HASH).unwrap();
    assert_eq!(Params::try_from(&dummy).unwrap().block_count(), params().unwrap().block_count());
    assert_eq!(Params::try_from(&dummy).unwrap().t_cost(), T_COST);
    assert_eq!(dummy.algorithm, Algorithm::Argon2id.ident());
}

#[test]
fn past_the_queue_callers_are_told_to_come_back() {
    let h = Hasher::new(1, 2);
    let running = h.admit().unwrap();
    let q1 = h.admit().unwrap();
    let q2 = h.admit().unwrap();
    assert_eq!(h.load(), (1, 2));
    match h.admit() {
        Err(AppError::Busy { retry_after_secs }) => assert!(retry_after_secs >= 1),
        other => panic!("expected busy, got {:?}", other.map(|_| ())),
    }
    // A caller who goes away gives back its place…
    drop(q1);
    let q3 = h.admit().unwrap();
    assert_eq!(h.load(), (1, 2));
    // …and everything given back leaves the gate empty.
    drop((running, q2, q3));
    assert_eq!(h.load(), (0, 0));
    assert!(h.admit().is_ok());
}

/// A finishing hash hands its slot to the queue: a newcomer waits behind.
#[test]
fn a_freed_slot_goes_to_the_queue_first() {
    let h = Hasher::new(1, 1);
    let first = h.admit().unwrap();
    let queued = h.admit().unwrap();
    let waiter = thread::spawn(move || queued.hash("xếp-hàng-chờ-1").unwrap());
    thread::sleep(Duration::from_millis(50));
    drop(first);
    let newcomer = h.admit().unwrap();
    assert_eq!(h.load().0, 1, "the slot stays taken: it went to the waiter");
    assert!(matches!(h.admit(), Err(AppError::Busy { .. })), "the newcomer holds the one place in the queue");
    assert!(waiter.join().unwrap().starts_with("$argon2id$"));
    assert!(newcomer.verify(None, "x").is_ok());
    assert_eq!(h.load(), (0, 0));
}

/// Many callers, two slots: never more than two hashes' memory mapped, every
/// caller served or refused, and none of it left mapped afterwards.
#[test]
fn memory_is_bounded_by_the_slots_and_returned_when_idle() {
    let h = Hasher::new(2, 64);
    let done = Arc::new(AtomicBool::new(false));
    let watcher = {
        let (h, done) = (h.clone(), done.clone());
        thread::spawn(move || {
            let (mut max_mapped, mut max_running) = (0, 0);
            while !done.load(Ordering::Relaxed) {
                max_mapped = max_mapped.max(h.mapped_bytes());
                max_running = max_running.max(h.load().0);
                thread::sleep(Duration::from_millis(1));
            }
            (max_mapped, max_running)
        })
    };
    let phc = h.hash("mật-khẩu-chung-1").unwrap();
    let workers: Vec<_> = (0..8)
        .map(|i| {
            let (h, phc) = (h.clone(), phc.clone());
            thread::spawn(move || h.verify(Some(&phc), if i % 2 == 0 { "mật-khẩu-chung-1" } else { "sai" }).unwrap())
        })
        .collect();
    let results: Vec<bool> = workers.into_iter().map(|w| w.join().unwrap()).collect();
    done.store(true, Ordering::Relaxed);
    let (max_mapped, max_running) = watcher.join().unwrap();
    assert_eq!(results, [true, false, true, false, true, false, true, false]);
    assert!(max_running <= 2, "{max_running}");
    assert!(max_mapped <= 2 * MIB_19, "{max_mapped}");
    assert!(max_mapped >= MIB_19, "the watcher saw the memory in use");
    assert_eq!(h.mapped_bytes(), 0, "nothing kept once idle");
    assert_eq!(h.load(), (0, 0));
}
