package runner

// ChildFDsAtStart lets the tests compare the estimate with what a real
// labserver reports.
var ChildFDsAtStart = childFDsAtStart
