//! placeholder while dependencies compile
