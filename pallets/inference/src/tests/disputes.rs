//! Disputes (`disputes.rs`): the attacks on the committee's result and why none pays — a
//! colluding majority, a forced-inconclusive round, withholding, a fully colluding committee
//! against a watcher, a frivolous challenger, faulty validators — and the challenge's errors and
//! bounds. Numbers: bonds of `2 * MIN_BOND` = 2000, so a wrong or withheld reveal and a
//! missing commitment each cost 400; the challenge bond is 400, the challenger's reward 50 % and the
//! requester's compensation 25 % of the slashed stake.

use super::*;
use crate::EscalationCause;

/// A bond of a genesis worker.
const BOND: Balance = MIN_BOND * 2;
/// What a wrong or withheld reveal costs (20 %).
const WRONG: Balance = BOND / 5;
/// What a missing commitment costs (20 %, as much as a wrong reveal: it escalates the job).
const ABSENT: Balance = BOND / 5;

/// A funded account that is no worker: the watcher who challenges.
fn watcher() -> AccountId {
    acc(7)
}

/// The committee of job `id` commits and reveals `outs[i]` for member `i`; the round ends with
/// the last reveal.
fn committee_reveals(id: u64, outs: &[Vec<u8>]) {
    let ws = workers_of(id);
    for (w, out) in ws.iter().zip(outs) {
        assert_ok!(commit(*w, id, out));
    }
    for (w, out) in ws.iter().zip(outs) {
        if Jobs::<Test>::get(id).expect("job").status != JobStatus::Pending {
            break;
        }
        assert_ok!(reveal(*w, id, out));
    }
}

fn status(id: u64) -> JobStatus {
    Jobs::<Test>::get(id).expect("job").status
}

/// The attack the issue measured: two of three workers return the same wrong output. Today's
/// majority would have made it the result and slashed the honest worker; now the disagreement
/// goes to the validators, the colluders lose 400 each and earn nothing, the honest worker is
/// paid and never slashed, and the requester pays the quote.
#[test]
fn colluding_majority_is_escalated_and_slashed_not_the_honest_worker() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let id = request(genesis_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        committee_reveals(id, &[good(), bad(), bad()]);
        assert_eq!(status(id), JobStatus::Escalated);
        assert!(Results::<Test>::get(id).is_none(), "no majority result");
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        let mut s = slashes(id);
        s.sort();
        let mut expected = vec![
            (ws[1], Offence::WrongResult, WRONG),
            (ws[2], Offence::WrongResult, WRONG),
        ];
        expected.sort();
        assert_eq!(s, expected, "only the colluders are slashed");
        assert_eq!(free(&acc(ws[0])), before[0] + WORKER_FEE);
        assert_eq!(bond(ws[0]), BOND, "the honest worker keeps its whole bond");
        for w in &ws[1..] {
            assert_eq!(bond(*w), BOND - WRONG);
        }
        assert_eq!(free(&acc(ws[1])), before[1], "a colluder earns nothing");
        assert_eq!(
            free(&requester()),
            INITIAL - FEE3 + (2 * WORKER_FEE) % 3,
            "the requester pays the quote (less the indivisible remainder)"
        );
        assert_conserved(issuance);
    });
}

/// The forced-inconclusive attack: a requester with its own worker on a 2-replica committee
/// reveals garbage to get an answer refunded. It now pays the full quote and its worker loses
/// 400; withholding instead of revealing costs its worker as much.
#[test]
fn forcing_an_inconclusive_round_no_longer_pays() {
    for withhold in [false, true] {
        ExtBuilder::default().build_and_execute(|| {
            let issuance = Balances::total_issuance();
            let id = request(pair_model());
            let ws = workers_of(id);
            let (honest, accomplice) = (ws[0], ws[1]);
            set_validator_workers(&others(id));
            // The requester's balance before its request, and its accomplice's.
            let camp_before = INITIAL + free(&acc(accomplice)) + bond(accomplice);
            assert_ok!(commit(honest, id, &good()));
            assert_ok!(commit(accomplice, id, &bad()));
            assert_ok!(reveal(honest, id, &good()));
            let quote = PRICE + 2 * WORKER_FEE;
            let offence = if withhold {
                // The accomplice withholds: its absence escalates the job.
                run_to_block(Jobs::<Test>::get(id).expect("job").reveal_deadline + 1);
                Offence::NoReveal
            } else {
                assert_ok!(reveal(accomplice, id, &bad()));
                Offence::WrongResult
            };
            assert_eq!(status(id), JobStatus::Escalated);
            let votes: Vec<(u8, Vec<u8>)> = others(id).iter().map(|v| (*v, good())).collect();
            run_escalation(id, &votes);
            assert_eq!(slashes(id), vec![(accomplice, offence, WRONG)]);
            assert_eq!(
                free(&requester()),
                INITIAL - quote + WORKER_FEE % 4,
                "no refund: the accomplice's fee goes to the validators"
            );
            assert_eq!(status(id), JobStatus::Completed);
            let camp_after = free(&requester()) + free(&acc(accomplice)) + bond(accomplice);
            assert!(
                camp_before - camp_after >= PRICE + WORKER_FEE + WRONG,
                "the attack costs its camp more than an honest request, which would cost it \
                 PRICE + WORKER_FEE (lost {})",
                camp_before - camp_after
            );
            assert_conserved(issuance);
        });
    }
}

/// A fully colluding committee agrees on a wrong result; a watcher challenges within the
/// window and the validators overturn it. The colluders lose 400 each (1200), the watcher gets
/// its bond back and 600, the requester 300 and pays nothing for the wrong work, the
/// validators are paid the colluders' fees, and 300 is burned.
#[test]
fn a_watcher_overturns_a_fully_colluding_committee() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let id = request(genesis_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        unanimous(id, &bad());
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(bad()),
            "the provisional result is readable at once"
        );
        let deadline = final_block(id) - 1;
        run_to_block(deadline);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), id));
        assert_eq!(held(HoldReason::ChallengeBond, &watcher()), CHALLENGE_BOND);
        assert!(has_event(Event::Challenged {
            job_id: id,
            challenger: watcher(),
            bond: CHALLENGE_BOND
        }));
        assert!(has_event(Event::JobEscalated {
            job_id: id,
            cause: EscalationCause::Challenge
        }));
        let v_before: Vec<Balance> = vs.iter().map(|v| free(&acc(*v))).collect();
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert_eq!(
            Results::<Test>::get(id).map(|o| o.into_inner()),
            Some(good())
        );
        assert_eq!(slashes(id).len(), 3);
        for w in &ws {
            assert_eq!(bond(*w), BOND - WRONG);
        }
        let pot = 3 * WRONG;
        assert!(has_event(Event::ChallengeUpheld {
            job_id: id,
            challenger: watcher(),
            reward: pot / 2
        }));
        assert_eq!(held(HoldReason::ChallengeBond, &watcher()), 0);
        assert_eq!(free(&watcher()), INITIAL + pot / 2);
        assert!(has_event(Event::RequesterCompensated {
            job_id: id,
            requester: requester(),
            amount: pot / 4
        }));
        assert_eq!(free(&requester()), INITIAL - FEE3 + pot / 4);
        for (v, b) in vs.iter().zip(v_before) {
            assert_eq!(
                free(&acc(*v)),
                b + WORKER_FEE,
                "each validator gets a colluder's fee"
            );
        }
        assert_eq!(burned(), pot - pot / 2 - pot / 4);
        assert_conserved(issuance);
    });
}

/// A committee that claims an execution failure to avoid the work (and the royalty) is
/// overturned by a challenge like any wrong result.
#[test]
fn a_committee_claiming_failure_is_overturned() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let vs = others(id);
        set_validator_workers(&vs);
        unanimous(id, &FAILED);
        assert!(Results::<Test>::get(id).is_none());
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(requester()), id));
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert_eq!(slashes(id).len(), 3);
        // The requester challenged: its bond back, the reward and the compensation.
        let pot = 3 * WRONG;
        assert_eq!(free(&requester()), INITIAL - FEE3 + pot / 2 + pot / 4);
    });
}

/// A frivolous challenge of an honest result: the validators uphold it, the challenger loses
/// its bond to the three workers it accused (133 each, the remainder burned), who are also
/// paid their fee; nobody is slashed and the requester pays the quote.
#[test]
fn a_wrong_challenge_forfeits_the_bond_to_the_accused() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let id = request(genesis_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        unanimous(id, &good());
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), id));
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert!(slashes(id).is_empty());
        assert!(has_event(Event::ChallengeRejected {
            job_id: id,
            challenger: watcher(),
            forfeited: CHALLENGE_BOND
        }));
        assert!(has_event(Event::EscalationDecided {
            job_id: id,
            verdict: Some(good().to_reveal()),
            upheld: Some(true),
            agreeing: vs.iter().map(|v| acc(*v)).collect(),
        }));
        assert_eq!(free(&watcher()), INITIAL - CHALLENGE_BOND);
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b + WORKER_FEE + CHALLENGE_BOND / 3);
        }
        assert_eq!(free(&requester()), INITIAL - FEE3);
        assert_eq!(burned(), CHALLENGE_BOND % 3);
        assert_conserved(issuance);
    });
}

/// Validators that split with no output revealed by more than two thirds of the set: the job
/// fails with a full refund, the challenger's bond is returned, only the absent validator is
/// slashed, and nobody on the committee is slashed or paid.
#[test]
fn without_a_supermajority_the_requester_is_refunded() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let id = request(genesis_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        let before: Vec<Balance> = ws.iter().map(|w| free(&acc(*w))).collect();
        unanimous(id, &good());
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), id));
        run_escalation(id, &[(vs[0], good()), (vs[1], bad())]);
        assert_eq!(
            status(id),
            JobStatus::Failed(FailureReason::NoSupermajority)
        );
        assert!(Results::<Test>::get(id).is_none());
        assert_eq!(slashes(id), vec![(vs[2], Offence::NoCommit, ABSENT)]);
        assert_eq!(free(&requester()), INITIAL);
        assert_eq!(free(&watcher()), INITIAL);
        for (w, b) in ws.iter().zip(before) {
            assert_eq!(free(&acc(*w)), b);
            assert_eq!(bond(*w), BOND);
        }
        assert_conserved(issuance);
    });
}

/// "One honest party suffices" at the validators' level: with six validators, one faulty
/// validator is outvoted and slashed; two (a third) cannot make their output the verdict, the
/// job is refunded instead. A wrong verdict needs more than a third of the set.
#[test]
fn a_third_of_the_validators_cannot_make_a_wrong_result_final() {
    for faulty in [1usize, 2] {
        ExtBuilder::default().workers(9).build_and_execute(|| {
            let id = request(genesis_model());
            let vs = others_of(id, 9);
            assert_eq!(vs.len(), 6);
            set_validator_workers(&vs);
            committee_reveals(id, &[good(), good(), bad()]);
            let votes: Vec<(u8, Vec<u8>)> = vs
                .iter()
                .enumerate()
                .map(|(i, v)| (*v, if i < faulty { bad() } else { good() }))
                .collect();
            run_escalation(id, &votes);
            match faulty {
                1 => {
                    assert_eq!(status(id), JobStatus::Completed);
                    assert_eq!(
                        Results::<Test>::get(id).map(|o| o.into_inner()),
                        Some(good())
                    );
                    let wrong: Vec<u8> = slashes(id).iter().map(|(w, _, _)| *w).collect();
                    assert_eq!(wrong.len(), 2, "the faulty member and the faulty validator");
                    assert!(wrong.contains(&vs[0]));
                }
                _ => {
                    assert_eq!(
                        status(id),
                        JobStatus::Failed(FailureReason::NoSupermajority)
                    );
                    assert!(Results::<Test>::get(id).is_none());
                    assert!(slashes(id).is_empty(), "nobody absent, nobody slashed");
                    assert_eq!(free(&requester()), INITIAL);
                }
            }
        });
    }
}

/// The challenge's errors: unknown jobs, jobs still in their committee round, validations,
/// results already challenged or final, and a challenger that cannot hold the bond.
#[test]
fn challenge_errors() {
    ExtBuilder::default().build_and_execute(|| {
        let challenge = |who: AccountId, id| Inference::challenge(RuntimeOrigin::signed(who), id);
        assert_noop!(challenge(watcher(), 99), Error::<Test>::JobNotFound);
        let id = request(genesis_model());
        assert_noop!(challenge(watcher(), id), Error::<Test>::NotChallengeable);
        let (_, validation) = register_and_upload(100, 1);
        assert_noop!(
            challenge(watcher(), validation),
            Error::<Test>::NotChallengeable
        );
        unanimous(id, &good());
        assert_noop!(challenge(pauper(), id), Error::<Test>::InsufficientBalance);
        assert_ok!(challenge(watcher(), id));
        assert_noop!(challenge(acc(8), id), Error::<Test>::NotChallengeable);
        // Another result, left unchallenged, is final after its window.
        let other = request(genesis_model());
        unanimous(other, &good());
        run_to_final(other);
        assert_noop!(challenge(watcher(), other), Error::<Test>::NotChallengeable);
    });
}

/// The escalation backlog bounds the validators' work: while it is full, new requests are
/// refused; it drains `MaxEscalationsPerBlock` a block. The attacker's move — fill the backlog
/// with disagreements, then let a wrong provisional result pass its window — fails: a
/// challenge is never refused for a full backlog.
#[test]
fn a_full_backlog_refuses_requests_not_challenges() {
    ExtBuilder::default().build_and_execute(|| {
        let provisional = request(genesis_model());
        unanimous(provisional, &good());
        let disputed: Vec<u64> = (0..4).map(|_| request(genesis_model())).collect();
        for id in &disputed {
            committee_reveals(*id, &[good(), bad(), good()]);
            assert_eq!(status(*id), JobStatus::Escalated);
        }
        assert!(Inference::backlog_full());
        assert_noop!(
            Inference::request_inference(
                RuntimeOrigin::signed(requester()),
                genesis_model(),
                inputs(1.0, 2.0).try_into().expect("short"),
                1_000_000
            ),
            Error::<Test>::EscalationBacklogFull
        );
        assert_ok!(Inference::challenge(
            RuntimeOrigin::signed(watcher()),
            provisional
        ));
        assert_eq!(status(provisional), JobStatus::Escalated);
        // Each block starts two of the five, oldest first; with one left, requests are taken
        // again.
        let started = || {
            disputed
                .iter()
                .chain([&provisional])
                .filter(|id| crate::Escalations::<Test>::contains_key(**id))
                .count()
        };
        run_to_block(System::block_number() + 1);
        assert_eq!(started(), 2);
        assert!(Inference::backlog_full());
        run_to_block(System::block_number() + 1);
        assert_eq!(started(), 4);
        assert!(!Inference::backlog_full());
        request(genesis_model());
        // Every escalation, the challenged one included, is decided in turn.
        for id in disputed.iter().chain([&provisional]) {
            run_to_escalation_start(*id);
        }
    });
}

/// A validator whose account is not a registered worker has no bond to answer for its vote:
/// its commitment is refused and it counts as absent (the verdict still needs more than two
/// thirds of the whole set).
#[test]
fn a_validator_without_a_bond_cannot_vote() {
    ExtBuilder::default().build_and_execute(|| {
        let id = request(genesis_model());
        let mut vs = others(id);
        let unbonded = 9u8;
        assert!(!Workers::<Test>::contains_key(acc(unbonded)));
        vs.push(unbonded);
        set_validator_workers(&vs);
        committee_reveals(id, &[good(), bad(), good()]);
        assert_eq!(status(id), JobStatus::Escalated);
        let esc = run_to_escalation_start(id);
        assert_eq!(esc.slots.len(), 4);
        assert_eq!(
            commit(unbonded, id, &bad()),
            Err(code(Error::<Test>::NotWorker))
        );
        // The three bonded validators are more than two thirds of four.
        let votes: Vec<(u8, Vec<u8>)> = vs[..3].iter().map(|v| (*v, good())).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert!(slashes(id).iter().all(|(w, _, _)| *w != unbonded));
    });
}

/// Under a tolerance, whether a challenge stands is judged member by member, as the slashes
/// are: a verdict that finds one accused member outside its tolerance overturns the result
/// (the challenger is rewarded from that member's stake), even though the committee's median
/// and the verdict are within the tolerance of each other.
#[test]
fn a_tolerance_challenge_that_exposes_one_member_is_rewarded() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let id = request(tolerance_model());
        let ws = workers_of(id);
        let vs = others(id);
        set_validator_workers(&vs);
        // abs tolerance 1e-2: each output is within it of the median (2.0, 4.0).
        committee_reveals(
            id,
            &[outputs(1.991, 4.0), outputs(2.0, 4.0), outputs(2.009, 4.0)],
        );
        assert_eq!(status(id), JobStatus::Provisional);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), id));
        // The validators find 2.008: 1.991 is 0.017 away from it, the others within 0.01.
        let votes: Vec<(u8, Vec<u8>)> = vs.iter().map(|v| (*v, outputs(2.008, 4.0))).collect();
        run_escalation(id, &votes);
        assert_eq!(status(id), JobStatus::Completed);
        assert_eq!(slashes(id), vec![(ws[0], Offence::WrongResult, WRONG)]);
        assert!(has_event(Event::ChallengeUpheld {
            job_id: id,
            challenger: watcher(),
            reward: WRONG / 2
        }));
        assert_eq!(free(&watcher()), INITIAL + WRONG / 2);
        assert_conserved(issuance);
    });
}

// ------------------------------------------------------------------ model validations

/// The true outcome of validating the test models, and a "cheap-looking" one: the same schema
/// with a cost of 1 instead of [`TEST_COST`], which would let every request underpay the
/// workers that run it.
fn true_and_cheap() -> (Vec<u8>, Vec<u8>) {
    let mut cheap = test_info();
    cheap.cost = 1;
    (
        ValidationOutcome::Ok(test_info()).encode(),
        ValidationOutcome::Ok(cheap).encode(),
    )
}

/// Two of a validation committee collude to activate a model at a cost below its real one; the
/// honest member's outcome escalates the validation, the validators' verdict activates the
/// model at its real cost, and the colluders lose 400 each.
#[test]
fn a_colluding_validation_majority_cannot_make_a_model_look_cheap() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let (model, job) = register_and_upload(100, 60);
        let ws = workers_of(job);
        set_validator_workers(&others(job));
        let (truth, cheap) = true_and_cheap();
        committee_reveals(job, &[truth.clone(), cheap.clone(), cheap]);
        assert_eq!(status(job), JobStatus::Escalated);
        assert!(has_event(Event::JobEscalated {
            job_id: job,
            cause: EscalationCause::Disagreement
        }));
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Validating(job)
        );
        validators_confirm(job, &truth);
        let m = Models::<Test>::get(model).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info.map(|i| i.cost), Some(TEST_COST));
        let mut s = slashes(job);
        s.sort();
        assert_eq!(
            s,
            vec![
                (ws[1], Offence::WrongResult, WRONG),
                (ws[2], Offence::WrongResult, WRONG)
            ]
        );
        assert_eq!(bond(ws[0]), BOND, "the honest member keeps its bond");
        assert_eq!(free(&owner()), INITIAL - deposit_of(100));
        assert_conserved(issuance);
    });
}

/// A whole validation committee agrees on the cheap outcome; a watcher challenges the
/// provisional outcome and the validators overturn it: the colluders lose 400 each, the
/// watcher gets its bond back and half of it, the owner gets nothing from it (it may have
/// bought the outcome), and the model is activated at its real cost.
#[test]
fn a_watcher_overturns_a_colluding_validation() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let (model, job) = register_and_upload(100, 61);
        let ws = workers_of(job);
        set_validator_workers(&others(job));
        let (truth, cheap) = true_and_cheap();
        unanimous(job, &cheap);
        assert!(has_event(Event::ValidationProvisional {
            model_id: model,
            job_id: job,
            agreeing: ws
                .iter()
                .map(|w| acc(*w))
                .collect::<Vec<_>>()
                .try_into()
                .expect("short"),
            challenge_deadline: final_block(job) - 1,
        }));
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), job));
        validators_confirm(job, &truth);
        let m = Models::<Test>::get(model).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info.map(|i| i.cost), Some(TEST_COST));
        for w in &ws {
            assert_eq!(bond(*w), BOND - WRONG);
        }
        let pot = 3 * WRONG;
        assert!(has_event(Event::ChallengeUpheld {
            job_id: job,
            challenger: watcher(),
            reward: pot / 2
        }));
        assert_eq!(free(&watcher()), INITIAL + pot / 2);
        assert_eq!(free(&owner()), INITIAL - deposit_of(100));
        assert_eq!(held(HoldReason::ModelDeposit, &owner()), deposit_of(100));
        assert_eq!(burned(), pot - pot / 2, "no requester to compensate");
        assert_conserved(issuance);
    });
}

/// A validation member stays away while the two others reject the model: the absence
/// escalates it, the verdict rejects the model, and the rejection fee goes one third to each
/// agreeing member and the absent member's third to the validators.
#[test]
fn an_absent_validator_member_escalates_and_its_share_goes_to_the_validators() {
    ExtBuilder::default().build_and_execute(|| {
        let issuance = Balances::total_issuance();
        let (model, job) = register_and_upload(100, 62);
        let ws = workers_of(job);
        let vs = others(job);
        set_validator_workers(&vs);
        let rejected = ValidationOutcome::Err(ValidationFailure::Invalid).encode();
        for w in &ws[..2] {
            assert_ok!(commit(*w, job, &rejected));
        }
        run_to_block(System::block_number() + COMMIT_PERIOD + 1);
        for w in &ws[..2] {
            assert_ok!(reveal(*w, job, &rejected));
        }
        assert_eq!(status(job), JobStatus::Escalated);
        let before: Vec<Balance> = (1..=6).map(|w| free(&acc(w))).collect();
        validators_confirm(job, &rejected);
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Rejected(RejectReason::Invalid)
        );
        assert_eq!(slashes(job), vec![(ws[2], Offence::NoCommit, ABSENT)]);
        let fee = RejectionFee::get().mul_floor(deposit_of(100));
        let share = fee / 3;
        let per_validator = share / vs.len() as Balance;
        for w in &ws[..2] {
            assert_eq!(free(&acc(*w)), before[*w as usize - 1] + share);
        }
        for v in &vs {
            assert_eq!(free(&acc(*v)), before[*v as usize - 1] + per_validator);
        }
        let paid = 2 * share + vs.len() as Balance * per_validator;
        assert!(has_event(Event::ModelRejected {
            model_id: model,
            reason: RejectReason::Invalid,
            fee: paid
        }));
        assert_eq!(free(&owner()), INITIAL - paid);
        assert_conserved(issuance);
    });
}

/// Validators that reach no supermajority on a validation: the model is rejected as
/// inconclusive with its whole deposit returned, and its owner may validate it again.
#[test]
fn a_validation_without_supermajority_is_inconclusive() {
    ExtBuilder::default().build_and_execute(|| {
        let (model, job) = register_and_upload(100, 63);
        let vs = others(job);
        set_validator_workers(&vs);
        let (truth, cheap) = true_and_cheap();
        unanimous(job, &truth);
        assert_ok!(Inference::challenge(RuntimeOrigin::signed(watcher()), job));
        run_escalation(job, &[(vs[0], truth), (vs[1], cheap)]);
        assert_eq!(
            status(job),
            JobStatus::Failed(FailureReason::NoSupermajority)
        );
        assert_eq!(
            Models::<Test>::get(model).expect("model").status,
            ModelStatus::Rejected(RejectReason::Inconclusive)
        );
        assert_eq!(free(&owner()), INITIAL, "the whole deposit is returned");
        assert_eq!(
            free(&watcher()),
            INITIAL,
            "the challenger's bond is returned"
        );
        assert_eq!(slashes(job), vec![(vs[2], Offence::NoCommit, ABSENT)]);
        assert_ok!(Inference::revalidate(RuntimeOrigin::signed(owner()), model));
        check_invariants();
    });
}
