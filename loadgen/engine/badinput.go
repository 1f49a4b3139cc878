package engine

// BadInput is an error that the run's input causes, found before anything
// is created on the engine: loadgen exits 2 for it.
type BadInput struct{ Msg string }

func (e *BadInput) Error() string { return e.Msg }
