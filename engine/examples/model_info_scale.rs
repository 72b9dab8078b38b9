//! Writes the SCALE encoding of a model's `ModelInfo`, as the engine validates it.
//!
//! `cargo run -p inferchain-engine --example model_info_scale -- MODEL.onnx OUT.scale`
//! The runtime's genesis presets embed `models/sample/mlp.info.scale` made this way; the node's
//! tests check that it still matches what the engine computes.

use codec::Encode;

fn main() -> anyhow::Result<()> {
    let mut args = std::env::args().skip(1);
    let (Some(model), Some(out)) = (args.next(), args.next()) else {
        anyhow::bail!("usage: model_info_scale MODEL.onnx OUT.scale");
    };
    let bytes = std::fs::read(&model)?;
    let info = inferchain_engine::validate(&bytes).map_err(|e| anyhow::anyhow!("{model}: {e}"))?;
    std::fs::write(&out, info.encode())?;
    println!(
        "wrote {out}: {} bytes, cost {}",
        info.encode().len(),
        info.cost
    );
    Ok(())
}
