package runfolder

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"time"
)

// The run folder's CSV files are tables of numbers under a header: t_s in
// seconds to the millisecond first, then the columns, NaN as an empty
// cell. Each format maps its rows to and from such records.

// writeTable writes header and one record per row.
func writeTable(w io.Writer, header []string, rows [][]float64) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	rec := make([]string, len(header))
	for _, row := range rows {
		for i, v := range row {
			switch {
			case math.IsNaN(v):
				rec[i] = ""
			case i == 0:
				rec[i] = strconv.FormatFloat(v, 'f', 3, 64)
			default:
				rec[i] = strconv.FormatFloat(v, 'f', -1, 64)
			}
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// readTable reads a table written by writeTable under the same header;
// what names the file in errors.
func readTable(r io.Reader, header []string, what string) ([][]float64, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(recs) == 0 {
		return nil, errors.New(what + ": empty")
	}
	if len(recs[0]) != len(header) {
		return nil, fmt.Errorf("%s: %d columns, want %d (%v)", what, len(recs[0]), len(header), header)
	}
	rows := make([][]float64, 0, len(recs)-1)
	for line, rec := range recs[1:] {
		vals := make([]float64, len(rec))
		for i, c := range rec {
			if c == "" {
				vals[i] = math.NaN()
				continue
			}
			if vals[i], err = strconv.ParseFloat(c, 64); err != nil {
				return nil, fmt.Errorf("%s line %d, %s: %w", what, line+2, header[i], err)
			}
		}
		rows = append(rows, vals)
	}
	return rows, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }
