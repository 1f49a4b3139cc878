// Package verdict turns a target into a prediction and a prediction into a
// verdict. It works out the limits a target's server has (from its /config,
// or from the scenario when no server runs), simulates the scenario's
// schedule against them with predict, replicates that perturbed as the run
// measured, and compares the measurement with the prediction: each figure
// against its range, each request against its predicted outcome, each
// gauge's samples against its band (docs/verdict.md), saying where they
// differ and, where the lab knows it, why.
package verdict
