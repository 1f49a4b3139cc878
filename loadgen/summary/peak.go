package summary

import (
	"bytes"
	"encoding/json"
	"math"
	"strconv"
)

// peakFigure is one figure of a Peak under its summary.json key.
type peakFigure struct {
	key string
	v   *float64
	// unknownIfMissing: the figure came after null did, so a summary
	// without its key was written before the figure existed, and a 0
	// would claim a measurement.
	unknownIfMissing bool
}

// figures lists p's figures in the order summary.json writes them.
func (p *Peak) figures() []peakFigure {
	return []peakFigure{
		{key: "inflight", v: &p.Inflight}, {key: "queued", v: &p.Queued}, {key: "accept_queue", v: &p.AcceptQueue},
		{key: "connections", v: &p.Connections}, {key: "goroutines", v: &p.Goroutines}, {key: "rss_bytes", v: &p.RSSBytes},
		{key: "client_inflight", v: &p.ClientInflight}, {key: "syn_queue", v: &p.SynQueue, unknownIfMissing: true},
	}
}

// MarshalJSON writes a NaN figure, one that no sample carried, as null:
// JSON has no NaN, and 0 would claim a measurement.
func (p Peak) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, f := range p.figures() {
		if i > 0 {
			b.WriteByte(',')
		}
		b.WriteString(strconv.Quote(f.key) + ":")
		if math.IsNaN(*f.v) {
			b.WriteString("null")
			continue
		}
		v, err := json.Marshal(*f.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// UnmarshalJSON reads null as NaN. A missing key is 0, as summaries from
// before null wrote every figure, except for a figure added since, which
// a missing key leaves unknown (NaN).
func (p *Peak) UnmarshalJSON(b []byte) error {
	var raw map[string]*float64
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	*p = Peak{}
	for _, f := range p.figures() {
		v, ok := raw[f.key]
		switch {
		case !ok && f.unknownIfMissing, ok && v == nil:
			*f.v = math.NaN()
		case !ok:
		default:
			*f.v = *v
		}
	}
	return nil
}
