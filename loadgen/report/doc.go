package report

import (
	"encoding/base64"
	"fmt"
	"html"
	"io"
	"regexp"
	"strings"
)

// document is the report's content, rendered twice: as Markdown beside the
// PNG files, and as one self-contained HTML file.
type document struct {
	title  string
	blocks []block
}

type blockKind int

const (
	heading blockKind = iota
	paragraph
	list
	preformatted
	figure
	tabular
)

type block struct {
	kind  blockKind
	level int      // heading: 2 or 3
	text  string   // heading, paragraph, preformatted; figure: caption
	items []string // list
	id    string   // heading anchor
	class string   // HTML class of a paragraph or list
	// figure
	file string // relative path, e.g. charts/x-timeline.png
	alt  string
	png  []byte
	// tabular
	header []string
	align  string // one letter a column: l, c or r
	rows   [][]cell
}

// cell is one cell of a table: its text and, optionally, a second part
// that HTML puts on a line of its own, in smaller type, so that wide
// cells stay narrow. A cell whose class is "out" or "no" is a figure
// outside its predicted range, or a disagreement: red in HTML, bold in
// Markdown.
type cell struct {
	text, sub string
	class     string
}

func (d *document) h(level int, text, id string) {
	d.blocks = append(d.blocks, block{kind: heading, level: level, text: text, id: id})
}
func (d *document) p(format string, args ...any) {
	d.blocks = append(d.blocks, block{kind: paragraph, text: fmt.Sprintf(format, args...)})
}
func (d *document) list(items ...string) {
	if len(items) > 0 {
		d.blocks = append(d.blocks, block{kind: list, items: items})
	}
}
func (d *document) warn(items ...string) {
	if len(items) > 0 {
		d.blocks = append(d.blocks, block{kind: list, items: items, class: "missing"})
	}
}
func (d *document) pre(text string) {
	d.blocks = append(d.blocks, block{kind: preformatted, text: strings.TrimRight(text, "\n")})
}
func (d *document) table(class, align string, header []string, rows [][]cell) {
	d.blocks = append(d.blocks, block{kind: tabular, class: class, align: align, header: header, rows: rows})
}
func (d *document) fig(file, alt, caption string, png []byte) {
	d.blocks = append(d.blocks, block{kind: figure, file: file, alt: alt, text: caption, png: png})
}

// markdown writes the document as Markdown with relative image links.
func (d *document) markdown(w io.Writer) error {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n", d.title)
	for _, bl := range d.blocks {
		b.WriteString("\n")
		switch bl.kind {
		case heading:
			fmt.Fprintf(&b, "%s %s\n", strings.Repeat("#", bl.level), bl.text)
		case paragraph:
			b.WriteString(bl.text + "\n")
		case list:
			for _, it := range bl.items {
				b.WriteString("- " + strings.ReplaceAll(it, "\n", "\n  ") + "\n")
			}
		case preformatted:
			fence := "```"
			for strings.Contains(bl.text, fence) {
				fence += "`"
			}
			fmt.Fprintf(&b, "%stext\n%s\n%s\n", fence, bl.text, fence)
		case figure:
			fmt.Fprintf(&b, "![%s](%s)\n\n*%s*\n", bl.alt, bl.file, bl.text)
		case tabular:
			markdownTable(&b, bl)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// markdownTable writes a pipe table; a cell's two parts share its line.
func markdownTable(b *strings.Builder, bl block) {
	row := func(cells []string) {
		for i := range cells {
			cells[i] = strings.ReplaceAll(strings.ReplaceAll(cells[i], "|", "\\|"), "\n", " ")
		}
		b.WriteString("| " + strings.Join(cells, " | ") + " |\n")
	}
	row(append([]string(nil), bl.header...))
	rule := make([]string, len(bl.header))
	for i := range rule {
		switch alignOf(bl.align, i) {
		case 'r':
			rule[i] = "---:"
		case 'c':
			rule[i] = ":---:"
		default:
			rule[i] = ":---"
		}
	}
	b.WriteString("|" + strings.Join(rule, "|") + "|\n")
	for _, r := range bl.rows {
		cells := make([]string, len(r))
		for i, c := range r {
			cells[i] = strings.TrimSpace(c.text + " " + c.sub)
			if c.class == "out" || c.class == "no" {
				cells[i] = "**" + cells[i] + "**"
			}
		}
		row(cells)
	}
}

// alignOf is column i's alignment letter; left when align does not say.
func alignOf(align string, i int) byte {
	if i < len(align) {
		return align[i]
	}
	return 'l'
}

// htmlTable writes a table inside a box that scrolls sideways when the
// table is wider than the page, so that the page itself never does.
func htmlTable(b *strings.Builder, bl block) {
	fmt.Fprintf(b, "<div class=\"wide\"><table%s>\n<thead><tr>", classAttr(bl.class))
	for i, h := range bl.header {
		fmt.Fprintf(b, "<th%s>%s</th>", alignAttr(bl.align, i), esc(h))
	}
	b.WriteString("</tr></thead>\n<tbody>\n")
	for _, r := range bl.rows {
		b.WriteString("<tr>")
		for i, c := range r {
			text := esc(c.text)
			if c.sub != "" {
				text += "<br><small>" + esc(c.sub) + "</small>"
			}
			cls := strings.TrimSpace(c.class + " " + map[byte]string{'r': "r", 'c': "c"}[alignOf(bl.align, i)])
			fmt.Fprintf(b, "<td%s>%s</td>", classAttr(cls), text)
		}
		b.WriteString("</tr>\n")
	}
	b.WriteString("</tbody></table></div>\n")
}

func alignAttr(align string, i int) string {
	return classAttr(map[byte]string{'r': "r", 'c': "c"}[alignOf(align, i)])
}

// css keeps the HTML readable without anything from the network: system
// font stacks only.
const css = `body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"Liberation Sans",Arial,sans-serif;max-width:62rem;margin:2rem auto;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;border-bottom:2px solid #ddd;padding-bottom:.3rem}
h2{font-size:1.3rem;margin-top:2.2rem;border-bottom:1px solid #eee}
h3{font-size:1.1rem}
pre{background:#f6f8fa;border:1px solid #e1e4e8;border-radius:4px;padding:.7rem;overflow-x:auto;font-size:.8rem;line-height:1.3}
figure{margin:1.2rem 0}
figure img{max-width:100%;height:auto;border:1px solid #eee}
figcaption{font-size:.85rem;color:#555;margin-top:.3rem}
ul{padding-left:1.4rem}
.wide{overflow-x:auto;margin:1rem 0}
table{border-collapse:collapse;font-size:.82rem;line-height:1.25}
th,td{padding:.2rem .45rem;border-bottom:1px solid #e1e4e8;text-align:left;vertical-align:top}
th{background:#f6f8fa;font-weight:600}
td{white-space:nowrap}
td small{color:#555;white-space:normal}
.r{text-align:right}
.c{text-align:center}
td.yes{color:#176f2c;font-weight:600}
td.no,td.out{color:#b31d28;font-weight:700}
.missing{color:#a33}
nav a{margin-right:.8rem}`

// html writes the document as one HTML file whose images are data: URIs.
func (d *document) html(w io.Writer) error {
	var b strings.Builder
	b.WriteString("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n")
	b.WriteString("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n")
	fmt.Fprintf(&b, "<title>%s</title>\n<style>\n%s\n</style>\n</head>\n<body>\n", esc(d.title), css)
	fmt.Fprintf(&b, "<h1>%s</h1>\n", esc(d.title))
	var nav []string
	for _, bl := range d.blocks {
		if bl.kind == heading && bl.level == 2 && bl.id != "" {
			nav = append(nav, fmt.Sprintf("<a href=\"#%s\">%s</a>", esc(bl.id), esc(bl.text)))
		}
	}
	if len(nav) > 1 {
		fmt.Fprintf(&b, "<nav>%s</nav>\n", strings.Join(nav, " "))
	}
	for _, bl := range d.blocks {
		switch bl.kind {
		case heading:
			id := ""
			if bl.id != "" {
				id = fmt.Sprintf(" id=\"%s\"", esc(bl.id))
			}
			fmt.Fprintf(&b, "<h%d%s>%s</h%d>\n", bl.level, id, esc(bl.text), bl.level)
		case paragraph:
			fmt.Fprintf(&b, "<p%s>%s</p>\n", classAttr(bl.class), esc(bl.text))
		case list:
			fmt.Fprintf(&b, "<ul%s>\n", classAttr(bl.class))
			for _, it := range bl.items {
				fmt.Fprintf(&b, "<li>%s</li>\n", esc(it))
			}
			b.WriteString("</ul>\n")
		case preformatted:
			fmt.Fprintf(&b, "<pre>%s</pre>\n", esc(bl.text))
		case figure:
			fmt.Fprintf(&b, "<figure><img src=\"data:image/png;base64,%s\" alt=\"%s\" width=\"%d\" height=\"%d\"><figcaption>%s</figcaption></figure>\n",
				base64.StdEncoding.EncodeToString(bl.png), esc(bl.alt), pixels(ChartWidth), pixels(ChartHeight), esc(bl.text))
		case tabular:
			htmlTable(&b, bl)
		}
	}
	b.WriteString("</body>\n</html>\n")
	_, err := io.WriteString(w, b.String())
	return err
}

func classAttr(c string) string {
	if c == "" {
		return ""
	}
	return fmt.Sprintf(" class=\"%s\"", esc(c))
}

// esc escapes text for HTML. It also writes the colon of any http: or
// https: in the text (a target's URL, an error message) as a character
// reference: the page shows it the same, and the file never holds an
// address that a tool could take for something to fetch.
func esc(s string) string {
	return scheme.ReplaceAllString(html.EscapeString(s), "$1&#58;//")
}

var scheme = regexp.MustCompile(`(?i)(https?)://`)
