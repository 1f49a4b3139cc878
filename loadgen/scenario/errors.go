package scenario

import (
	"errors"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// Error is a problem found in a scenario file. Its Error method returns one
// line, FILE:LINE:COL: FIELD: message, for example
//
//	scenarios/bad.yaml:7:12: targets[2].max: must be >= core (10), got 5
//
// FIELD is the path of the field at fault ("rate", "server.backlog",
// "targets[2].limit"); it is "scenario" for the document as a whole and
// "yaml" for YAML syntax errors. LINE and COL are 1-based and point at the
// offending value, or at the enclosing mapping when a required field is
// missing.
type Error struct {
	File  string
	Line  int // 0 if unknown; then LINE:COL are left out
	Col   int
	Field string
	Msg   string
}

// Error returns the one-line form. It never contains a newline: control
// characters from the file name or the message are escaped.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d:%d", e.Line, max(e.Col, 1))
	}
	fmt.Fprintf(&b, ": %s: %s", e.Field, e.Msg)
	return oneLine(b.String())
}

// Field names used when an error is about no particular field.
const (
	fieldDocument = "scenario" // the document as a whole
	fieldSyntax   = "yaml"     // YAML syntax, or the YAML library itself
)

// nodeError is an error about one YAML value, returned from inside the
// decoder (by Duration.UnmarshalYAML) and located by Parse afterwards.
type nodeError struct {
	tok *token.Token
	msg string
}

func (e *nodeError) Error() string { return e.msg }

// problem is a validation failure: the path of the field and what is wrong.
// Parse adds the file position, Scaled a "--scale" prefix.
type problem struct {
	path string
	msg  string
}

func (p *problem) Error() string { return p.path + ": " + p.msg }

func problemf(path, format string, args ...any) *problem {
	return &problem{path: path, msg: fmt.Sprintf(format, args...)}
}

// syntaxError turns an error from the YAML parser (no AST yet) into an Error.
func syntaxError(file string, err error) *Error {
	e := &Error{File: file, Field: fieldSyntax, Msg: libraryMessage(err)}
	var ye yaml.Error
	if errors.As(err, &ye) {
		if tok := ye.GetToken(); tok != nil && tok.Position != nil {
			e.Line, e.Col = tok.Position.Line, tok.Position.Column
		}
	}
	if e.Line <= 0 {
		e.Line, e.Col = 1, 1
	}
	return e
}

// decodeError turns an error from the YAML decoder into an Error that names
// the field, using the index of the document to find it.
func (x *index) decodeError(file string, err error) *Error {
	var (
		ne  *nodeError
		uf  *yaml.UnknownFieldError
		dk  *yaml.DuplicateKeyError
		te  *yaml.TypeError
		oe  *yaml.OverflowError
		ute *yaml.UnexpectedNodeTypeError
		ye  yaml.Error
	)
	switch {
	case errors.As(err, &ne):
		return x.valueError(file, ne.tok, ne.msg)
	case errors.As(err, &uf):
		path, ok := x.keyPath(uf.Token)
		if !ok {
			return x.tokenError(file, uf.Token, uf.Message)
		}
		return x.errorAt(file, path, x.keyPos(path), x.unknownFieldMessage(path))
	case errors.As(err, &dk):
		if path, ok := x.keyPath(dk.Token); ok {
			return x.errorAt(file, path, tokenPos(dk.Token), "duplicate key")
		}
		return x.tokenError(file, dk.Token, dk.Message)
	case errors.As(err, &te):
		return x.valueError(file, te.Token, "must be "+typeName(te.DstType)+", got "+x.describeToken(te.Token))
	case errors.As(err, &oe):
		return x.valueError(file, oe.Token, "must be "+typeName(oe.DstType)+", got "+x.describeToken(oe.Token)+" (out of range)")
	case errors.As(err, &ute):
		return x.valueError(file, ute.Token, "must be "+nodeTypeName(ute.Expected)+", got "+x.describeToken(ute.Token))
	case errors.As(err, &ye):
		return x.tokenError(file, ye.GetToken(), ye.GetMessage())
	}
	return x.errorAt(file, "", x.pos(""), libraryMessage(err))
}

// duplicateError reports the first key that a mapping repeats.
func (x *index) duplicateError(file string) *Error {
	msg := "duplicate key"
	first, again := x.keyPos(x.dup), tokenPos(x.dupTok)
	if first.Line > 0 && first != again {
		msg += fmt.Sprintf(" (first set at line %d, column %d)", first.Line, first.Col)
	}
	return x.errorAt(file, x.dup, again, msg)
}

// valueError reports msg about the value whose token is tok.
func (x *index) valueError(file string, tok *token.Token, msg string) *Error {
	path, ok := x.valuePath(tok)
	if !ok {
		return x.tokenError(file, tok, msg)
	}
	// The field's own position rather than the token's: for a block
	// mapping the decoder's token is a ':' in the middle of it.
	return x.errorAt(file, path, x.pos(path), msg)
}

// tokenError reports msg at tok, naming the field that tok belongs to if
// there is one.
func (x *index) tokenError(file string, tok *token.Token, msg string) *Error {
	p := tokenPos(tok)
	if p.Line <= 0 {
		p = x.pos("")
	}
	field := fieldSyntax
	if path, ok := x.valuePath(tok); ok && path != "" {
		field = path
	} else if path, ok := x.keyPath(tok); ok {
		field = path
	}
	return &Error{File: file, Line: p.Line, Col: p.Col, Field: field, Msg: msg}
}

// errorAt reports msg about the field at path, at position p.
func (x *index) errorAt(file, path string, p position, msg string) *Error {
	return &Error{File: file, Line: p.Line, Col: p.Col, Field: displayPath(path), Msg: msg}
}

// unknownFieldMessage lists the fields valid where the unknown key at path
// was found, with a suggestion when one is close.
func (x *index) unknownFieldMessage(path string) string {
	e := x.entries[path]
	t := x.typeAt(e.parent)
	if t == nil || t.Kind() != reflect.Struct {
		return "unknown field"
	}
	valid := yamlFields(t)
	msg := "unknown field"
	if s := suggest(e.key, valid); s != "" {
		msg += fmt.Sprintf(" (did you mean %q?)", s)
	}
	return msg + "; valid fields: " + strings.Join(valid, ", ")
}

// describeToken describes the value whose token is tok, for "got ..." in
// messages.
func (x *index) describeToken(tok *token.Token) string {
	if path, ok := x.valuePath(tok); ok {
		return describe(x.entries[path].node)
	}
	if tok == nil {
		return "nothing"
	}
	return quote(tok.Value)
}

// libraryMessage is the message of an error from the YAML library, without
// the position prefix and the source excerpt that its Error method adds.
func libraryMessage(err error) string {
	var ye yaml.Error
	if errors.As(err, &ye) {
		return ye.GetMessage()
	}
	return err.Error()
}

// typeName names a Go type the way a scenario author thinks of it.
func typeName(t reflect.Type) string {
	if t == nil {
		return "a value"
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == reflect.TypeFor[Duration]() || t == reflect.TypeFor[time.Duration]() {
		return "a duration"
	}
	switch t.Kind() {
	case reflect.String:
		return "a string"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "an integer"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Struct, reflect.Map:
		return "a mapping"
	}
	return "a " + t.Kind().String()
}

// nodeTypeName names a YAML node type, with an article.
func nodeTypeName(t ast.NodeType) string {
	switch t {
	case ast.MappingType, ast.MappingValueType:
		return "a mapping"
	case ast.SequenceType:
		return "a list"
	case ast.StringType, ast.LiteralType:
		return "a string"
	case ast.IntegerType:
		return "an integer"
	case ast.FloatType:
		return "a number"
	case ast.BoolType:
		return "true or false"
	case ast.NullType:
		return "null"
	}
	return "a " + t.YAMLName()
}

// describe shows a YAML value in a message: scalars as written (strings
// quoted), collections by kind.
func describe(n ast.Node) string {
	n = unwrap(n)
	switch n := n.(type) {
	case nil:
		return "nothing"
	case *ast.NullNode:
		return "null"
	case *ast.StringNode:
		return quote(n.Value)
	case *ast.LiteralNode:
		return "a block string"
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.AliasNode:
		return "an alias"
	}
	if tok := n.GetToken(); tok != nil {
		return truncate(tok.Value)
	}
	return n.Type().YAMLName()
}

// maxShown is how many runes of a value or key a message shows.
const maxShown = 40

// quote returns s as a Go string literal, shortened to maxShown runes.
func quote(s string) string { return strconv.Quote(truncate(s)) }

// truncate shortens s to maxShown runes, marking the cut with "...".
func truncate(s string) string {
	if utf8.RuneCountInString(s) <= maxShown {
		return s
	}
	r := []rune(s)
	return string(r[:maxShown]) + "..."
}

// oneLine escapes every character that could break the line: newlines,
// carriage returns, other control characters and Unicode line separators.
func oneLine(s string) string {
	clean := true
	for _, r := range s {
		if breaks(r) {
			clean = false
			break
		}
	}
	if clean {
		return s
	}
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == '\n':
			b.WriteString(`\n`)
		case r == '\r':
			b.WriteString(`\r`)
		case r == '\t':
			b.WriteString(`\t`)
		case breaks(r):
			fmt.Fprintf(&b, `\u%04x`, r)
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

func breaks(r rune) bool {
	return unicode.IsControl(r) || r == '\u2028' || r == '\u2029'
}

// suggest returns the candidate closest to s if it is close enough to be a
// likely typo, else "".
func suggest(s string, candidates []string) string {
	best, bestDist := "", 3 // suggest only within edit distance 2
	for _, c := range candidates {
		if d := editDistance(strings.ToLower(s), c); d < bestDist {
			best, bestDist = c, d
		}
	}
	return best
}

// editDistance is the Levenshtein distance between a and b (bytes). Long
// inputs are not compared.
func editDistance(a, b string) int {
	if len(a) > 64 || len(b) > 64 {
		return 1 << 30
	}
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
