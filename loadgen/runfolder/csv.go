package runfolder

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
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

// readTable reads a table written by writeTable under header, by column
// name: a column of header that the file lacks (a folder written before
// the column existed) reads as NaN, and the file's columns may come in any
// order. A column header does not name is an error; what names the file
// in errors.
func readTable(r io.Reader, header []string, what string) ([][]float64, error) {
	recs, err := csv.NewReader(r).ReadAll()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", what, err)
	}
	if len(recs) == 0 {
		return nil, errors.New(what + ": empty")
	}
	at := make([]int, len(recs[0])) // file column → header column
	for i, name := range recs[0] {
		if at[i] = slices.Index(header, name); at[i] < 0 {
			return nil, fmt.Errorf("%s: unknown column %q (want some of %v)", what, name, header)
		}
		if slices.Index(recs[0], name) < i {
			return nil, fmt.Errorf("%s: column %q twice", what, name)
		}
	}
	if len(recs[0]) == 0 || recs[0][0] != header[0] {
		return nil, fmt.Errorf("%s: the first column is not %s", what, header[0])
	}
	rows := make([][]float64, 0, len(recs)-1)
	for line, rec := range recs[1:] {
		vals := make([]float64, len(header))
		for i := range vals {
			vals[i] = math.NaN()
		}
		for i, c := range rec {
			if c == "" {
				continue
			}
			if vals[at[i]], err = strconv.ParseFloat(c, 64); err != nil {
				return nil, fmt.Errorf("%s line %d, %s: %w", what, line+2, recs[0][i], err)
			}
		}
		rows = append(rows, vals)
	}
	return rows, nil
}

func seconds(s float64) time.Duration { return time.Duration(s * float64(time.Second)) }

// countOrZero is a predicted gauge's cell as a count: 0 where the cell is
// empty, as a column that a folder written before it existed reads.
func countOrZero(v float64) int {
	if math.IsNaN(v) {
		return 0
	}
	return int(v)
}
