//! Genesis (`sections/genesis.rs`): workers and models of the chain spec.

use super::*;

#[test]
fn genesis_registers_workers_and_models() {
    ExtBuilder::default().build_and_execute(|| {
        assert_eq!(ActiveWorkers::<Test>::get().len(), 6);
        assert_eq!(held(HoldReason::WorkerBond, &acc(1)), MIN_BOND * 2);
        let m = Models::<Test>::get(genesis_model()).expect("model");
        assert_eq!(m.status, ModelStatus::Active);
        assert_eq!(m.info, Some(test_info()));
        assert_eq!(m.deposit, 0);
        check_invariants();
    });
}

#[test]
fn genesis_config_json_round_trip() {
    let config = crate::GenesisConfig::<Test> {
        workers: vec![(acc(1), MIN_BOND)],
        models: vec![crate::GenesisModel::new(
            genesis_model(),
            owner(),
            b"double".to_vec(),
            10,
            vec![H256::repeat_byte(1)],
            &test_info(),
            exact(1),
            PRICE,
        )],
    };
    let json = serde_json::to_string(&config).expect("serializes");
    assert!(json.contains("\"chunkHashes\""), "{json}");
    assert!(json.contains("\"name\":\"0x646f75626c65\""), "{json}");
    let back: crate::GenesisConfig<Test> = serde_json::from_str(&json).expect("deserializes");
    assert_eq!(back.workers, config.workers);
    assert_eq!(back.models, config.models);
}
