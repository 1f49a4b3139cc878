package scenario

import (
	"math"
	"reflect"
	"strconv"
	"strings"

	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/token"
)

// position is a 1-based line and column in the scenario file; Line 0 means
// unknown.
type position struct{ Line, Col int }

func tokenPos(tok *token.Token) position {
	if tok == nil || tok.Position == nil || tok.Position.Line <= 0 {
		return position{}
	}
	return position{tok.Position.Line, max(tok.Position.Column, 1)}
}

// Limits on the index, so that hostile input (deep nesting, alias bombs)
// costs bounded time. The scenario schema is only four levels deep
// (targets[2].limit), so nothing below maxIndexDepth matters for messages.
const (
	maxIndexDepth   = 6
	maxIndexEntries = 1 << 18 // far more than a 1 MiB file of real targets needs
)

// entry is one field, list item or the root of the scenario document.
type entry struct {
	parent  string       // path of the enclosing mapping or list
	key     string       // the key as written; "" for list items and the root
	index   int          // the list index; -1 for keys and the root
	keyTok  *token.Token // the key; nil for list items and the root
	written ast.Node     // the value as written (it may be an alias)
	node    ast.Node     // the value, with anchors, tags and aliases resolved
	merged  bool         // came from a << merge key; an explicit key replaces it
}

// index maps the field paths of a scenario document ("rate",
// "targets[2].limit") to their YAML nodes, and YAML tokens back to paths.
// Parse uses it to put positions and field names on errors, and to tell a
// field that is absent from one that is set to its zero value.
type index struct {
	entries map[string]*entry
	order   []string // paths in document order
	byKey   map[*token.Token]string
	byValue map[*token.Token]string
	anchors map[string]ast.Node
	merging map[*ast.MappingNode]bool // the mappings being merged in now
	dup     string                    // the path of the first key that a mapping repeats
	dupTok  *token.Token
	// tag is the first YAML tag (!!str, !foo) in the document.
	tag     *token.Token
	tagPath string
	// lateMerge is the first << key that follows other keys of its mapping.
	lateMerge     *token.Token
	lateMergePath string
}

func newIndex(root ast.Node) *index {
	x := &index{
		entries: map[string]*entry{},
		byKey:   map[*token.Token]string{},
		byValue: map[*token.Token]string{},
		anchors: map[string]ast.Node{},
		merging: map[*ast.MappingNode]bool{},
	}
	x.add("", &entry{index: -1}, root, 0)
	return x
}

// add records the value n at path and walks into it.
func (x *index) add(path string, e *entry, n ast.Node, depth int) {
	if len(x.entries) >= maxIndexEntries {
		return
	}
	if e.keyTok != nil {
		if _, ok := x.byKey[e.keyTok]; !ok {
			x.byKey[e.keyTok] = path
		}
	}
	if old, ok := x.entries[path]; ok && !(old.merged && !e.merged) {
		if !old.merged && !e.merged && old.key == e.key && x.dupTok == nil {
			x.dup, x.dupTok = path, e.keyTok
		}
		return // a duplicate key, or a merged key that an explicit one overrides
	} else if !ok {
		x.order = append(x.order, path)
	}
	e.written = n
	e.node = x.resolve(n, path)
	x.entries[path] = e
	if depth >= maxIndexDepth {
		return
	}
	switch v := e.node.(type) {
	case *ast.MappingNode:
		for i, mv := range v.Values {
			if i > 0 && isMerge(mv) && !isMerge(v.Values[i-1]) && x.lateMerge == nil {
				// The decoder lets a merged key replace one written
				// before the <<, against the YAML merge rules.
				x.lateMerge = mv.Key.GetToken()
				x.lateMergePath = join(path, "<<")
			}
			x.addPair(path, mv, e.merged, depth)
		}
	case *ast.MappingValueNode:
		x.addPair(path, v, e.merged, depth)
	case *ast.SequenceNode:
		for i, item := range v.Values {
			x.add(path+"["+strconv.Itoa(i)+"]", &entry{parent: path, index: i, merged: e.merged}, item, depth+1)
		}
	}
}

// addPair records one key: value pair of the mapping at path.
func (x *index) addPair(path string, mv *ast.MappingValueNode, merged bool, depth int) {
	if mv == nil || mv.Key == nil {
		return
	}
	if mv.Key.IsMergeKey() {
		// << merges the keys of one mapping, or of a list of mappings
		// (the first wins), into this one; keys written here win.
		src := x.resolve(mv.Value, path)
		sources := []ast.Node{src}
		if seq, ok := src.(*ast.SequenceNode); ok {
			sources = seq.Values
		}
		for _, s := range sources {
			m, ok := x.resolve(s, path).(*ast.MappingNode)
			if !ok || x.merging[m] {
				continue // not a mapping, or one that merges itself
			}
			x.merging[m] = true
			for _, pair := range m.Values {
				x.addPair(path, pair, true, depth)
			}
			delete(x.merging, m)
		}
		return
	}
	key := keyString(mv.Key)
	child := join(path, truncate(key))
	x.add(child, &entry{parent: path, key: key, index: -1, keyTok: mv.Key.GetToken(), merged: merged}, mv.Value, depth+1)
	if tok := mv.GetToken(); tok != nil { // the ':'
		if _, ok := x.byValue[tok]; !ok {
			x.byValue[tok] = child
		}
	}
}

// resolve strips anchors and tags from n and follows aliases to the anchored
// value, recording every token passed on the way as belonging to path.
func (x *index) resolve(n ast.Node, path string) ast.Node {
	for hops := 0; n != nil && hops < 16; hops++ {
		if tok := n.GetToken(); tok != nil {
			if _, ok := x.byValue[tok]; !ok {
				x.byValue[tok] = path
			}
		}
		switch v := n.(type) {
		case *ast.AnchorNode:
			if name := tokenValue(v.Name); name != "" {
				// Recorded before the value is walked; an alias to
				// itself is walked only down to maxIndexDepth.
				x.anchors[name] = v.Value
			}
			n = v.Value
		case *ast.TagNode:
			if x.tag == nil {
				x.tag, x.tagPath = v.Start, path
			}
			n = v.Value
		case *ast.AliasNode:
			if tok := tokenOf(v.Value); tok != nil { // the alias's name
				if _, ok := x.byValue[tok]; !ok {
					x.byValue[tok] = path
				}
			}
			target, ok := x.anchors[tokenValue(v.Value)]
			if !ok || target == nil {
				return n
			}
			n = target
		default:
			return n
		}
	}
	return n
}

// present reports whether the field at path is in the document with a
// non-null value.
func (x *index) present(path string) bool {
	e, ok := x.entries[path]
	return ok && !isNull(e.node)
}

// pos returns where to report a problem with the field at path: its value
// if it has one, else its key, else (when the field is absent) the
// enclosing mapping.
func (x *index) pos(path string) position {
	for {
		e, ok := x.entries[path]
		if ok {
			if p := nodePos(e.written); p.Line > 0 && !isNull(e.written) {
				return p
			}
			if p := tokenPos(e.keyTok); p.Line > 0 {
				return p
			}
			if p := nodePos(e.written); p.Line > 0 {
				return p
			}
		}
		if path == "" {
			return position{1, 1}
		}
		if ok {
			path = e.parent
		} else {
			path = parentPath(path)
		}
	}
}

// keyPos returns the position of the key of the field at path.
func (x *index) keyPos(path string) position {
	if e, ok := x.entries[path]; ok {
		if p := tokenPos(e.keyTok); p.Line > 0 {
			return p
		}
	}
	return x.pos(path)
}

// keyPath finds the path of the field whose key token is tok.
func (x *index) keyPath(tok *token.Token) (string, bool) {
	return x.lookup(tok, x.byKey, func(e *entry) position { return tokenPos(e.keyTok) })
}

// valuePath finds the path of the field whose value has the token tok.
func (x *index) valuePath(tok *token.Token) (string, bool) {
	return x.lookup(tok, x.byValue, func(e *entry) position { return nodePos(e.written) })
}

// lookup finds tok's field in byTok, or else the first field, in document
// order, whose position (by at) is tok's: the parser may hand back a copy
// of the token it indexed.
func (x *index) lookup(tok *token.Token, byTok map[*token.Token]string, at func(*entry) position) (string, bool) {
	if path, ok := byTok[tok]; ok {
		return path, true
	}
	if want := tokenPos(tok); want.Line > 0 {
		for _, path := range x.order {
			if at(x.entries[path]) == want {
				return path, true
			}
		}
	}
	return "", false
}

// typeAt returns the Go type that the YAML at path decodes into, or nil if
// path is not part of the schema.
func (x *index) typeAt(path string) reflect.Type {
	if path == "" {
		return reflect.TypeFor[Scenario]()
	}
	e, ok := x.entries[path]
	if !ok {
		return nil
	}
	t := x.typeAt(e.parent)
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch {
	case t == nil:
		return nil
	case e.index >= 0 && t.Kind() == reflect.Slice:
		return t.Elem()
	case e.index < 0 && t.Kind() == reflect.Struct:
		if f, ok := yamlField(t, e.key); ok {
			return f.Type
		}
	}
	return nil
}

// yamlField finds the field of struct type t whose YAML key is key,
// looking into inline structs (a target's catalog.Settings).
func yamlField(t reflect.Type, key string) (reflect.StructField, bool) {
	for i := range t.NumField() {
		f := t.Field(i)
		if isInline(f) {
			if g, ok := yamlField(f.Type, key); ok {
				return g, true
			}
		} else if yamlName(f) == key {
			return f, true
		}
	}
	return reflect.StructField{}, false
}

// isInline reports whether f's fields are read as its struct's own.
func isInline(f reflect.StructField) bool {
	_, opts, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	return opts == "inline" && f.Type.Kind() == reflect.Struct
}

// checkIntegers rejects a fractional number given for an integer field: the
// YAML decoder would silently truncate "limit: 1.5" to 1.
func (x *index) checkIntegers() *problem {
	for _, path := range x.order {
		f, ok := x.entries[path].node.(*ast.FloatNode)
		if !ok || f.Value == math.Trunc(f.Value) {
			continue
		}
		t := x.typeAt(path)
		for t != nil && t.Kind() == reflect.Pointer {
			t = t.Elem()
		}
		if t != nil && typeName(t) == "an integer" {
			return problemf(path, "must be an integer, got %s", describe(f))
		}
	}
	return nil
}

// yamlFields lists the YAML keys of struct type t, in declaration order.
func yamlFields(t reflect.Type) []string {
	var names []string
	for i := range t.NumField() {
		if f := t.Field(i); isInline(f) {
			names = append(names, yamlFields(f.Type)...)
		} else if name := yamlName(f); name != "" {
			names = append(names, name)
		}
	}
	return names
}

func yamlName(f reflect.StructField) string {
	if !f.IsExported() {
		return ""
	}
	name, _, _ := strings.Cut(f.Tag.Get("yaml"), ",")
	if name == "-" {
		return ""
	}
	if name == "" {
		return strings.ToLower(f.Name)
	}
	return name
}

// nodePos is where a value starts: a block mapping at its first key, a list
// at its first "-" or "[", a scalar at its first character.
func nodePos(n ast.Node) position {
	switch v := n.(type) {
	case nil:
		return position{}
	case *ast.MappingNode:
		if !v.IsFlowStyle && len(v.Values) > 0 {
			if p := nodePos(v.Values[0]); p.Line > 0 {
				return p
			}
		}
	case *ast.MappingValueNode:
		if v.Key != nil {
			if p := tokenPos(v.Key.GetToken()); p.Line > 0 {
				return p
			}
		}
	case *ast.AnchorNode:
		if p := tokenPos(v.Start); p.Line > 0 {
			return p
		}
	case *ast.TagNode:
		if p := tokenPos(v.Start); p.Line > 0 {
			return p
		}
	}
	return tokenPos(n.GetToken())
}

func isMerge(mv *ast.MappingValueNode) bool {
	return mv != nil && mv.Key != nil && mv.Key.IsMergeKey()
}

// unwrap strips anchors and tags from n.
func unwrap(n ast.Node) ast.Node {
	for {
		switch v := n.(type) {
		case *ast.AnchorNode:
			n = v.Value
		case *ast.TagNode:
			n = v.Value
		default:
			return n
		}
	}
}

func tokenOf(n ast.Node) *token.Token {
	if n == nil {
		return nil
	}
	return n.GetToken()
}

func tokenValue(n ast.Node) string {
	if tok := tokenOf(n); tok != nil {
		return tok.Value
	}
	return ""
}

func isNull(n ast.Node) bool {
	_, null := unwrap(n).(*ast.NullNode)
	return n == nil || null
}

// keyString is a mapping key as the decoder matches it against field names.
func keyString(k ast.MapKeyNode) string {
	switch v := k.(type) {
	case *ast.StringNode:
		return v.Value
	case *ast.MappingKeyNode:
		if inner, ok := v.Value.(ast.MapKeyNode); ok {
			return keyString(inner)
		}
	}
	return tokenValue(k)
}

// join appends a key to a path: "" + "rate" = "rate", "targets[2]" + "limit"
// = "targets[2].limit".
func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// parentPath strips the last ".key" or "[i]" from a path.
func parentPath(path string) string {
	if i := strings.LastIndexAny(path, ".["); i >= 0 {
		return path[:i]
	}
	return ""
}

// displayPath is a path as shown in an error's FIELD.
func displayPath(path string) string {
	if path == "" {
		return fieldDocument
	}
	return path
}
