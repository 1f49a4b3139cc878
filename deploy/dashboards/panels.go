package dashboards

import (
	"github.com/grafana/grafana-foundation-sdk/go/bargauge"
	"github.com/grafana/grafana-foundation-sdk/go/cog"
	"github.com/grafana/grafana-foundation-sdk/go/cog/variants"
	"github.com/grafana/grafana-foundation-sdk/go/common"
	"github.com/grafana/grafana-foundation-sdk/go/dashboard"
	"github.com/grafana/grafana-foundation-sdk/go/prometheus"
	"github.com/grafana/grafana-foundation-sdk/go/stat"
	"github.com/grafana/grafana-foundation-sdk/go/table"
	"github.com/grafana/grafana-foundation-sdk/go/timeseries"
)

// DatasourceUID is the uid of the provisioned Prometheus datasource
// (deploy/grafana/provisioning/datasources/prometheus.yaml), the default of
// each dashboard's datasource variable.
const DatasourceUID = "conclab-prometheus"

// q is one query of a panel.
type q struct {
	expr   string
	legend string
}

// ds is the datasource every panel and query uses: the dashboard's
// datasource variable.
func ds() common.DataSourceRef {
	typ, uid := "prometheus", "${datasource}"
	return common.DataSourceRef{Type: &typ, Uid: &uid}
}

func datasourceVariable() *dashboard.DatasourceVariableBuilder {
	text, value := "Prometheus", DatasourceUID
	return dashboard.NewDatasourceVariableBuilder("datasource").
		Label("Datasource").
		Type("prometheus").
		Current(dashboard.VariableOption{
			Text:  dashboard.StringOrArrayOfString{String: &text},
			Value: dashboard.StringOrArrayOfString{String: &value},
		})
}

// queryVariable is a variable filled by a Prometheus label_values() query.
func queryVariable(name, label, query string) *dashboard.QueryVariableBuilder {
	return dashboard.NewQueryVariableBuilder(name).
		Label(label).
		Datasource(ds()).
		Query(dashboard.StringOrMap{String: &query}).
		Definition(query).
		Refresh(dashboard.VariableRefreshOnTimeRangeChanged)
}

var refIDs = []string{"A", "B", "C", "D", "E", "F", "G", "H"}

// targets turns queries into Prometheus range or instant queries.
func targets(qs []q, instant bool, format prometheus.PromQueryFormat) []cog.Builder[variants.Dataquery] {
	out := make([]cog.Builder[variants.Dataquery], 0, len(qs))
	for i, x := range qs {
		b := prometheus.NewDataqueryBuilder().
			RefId(refIDs[i]).
			Datasource(ds()).
			Expr(x.expr).
			LegendFormat(x.legend)
		if instant {
			b = b.Instant()
		} else {
			b = b.Range()
		}
		if format != "" {
			b = b.Format(format)
		}
		out = append(out, b)
	}
	return out
}

// panelIDs numbers panels in the order they are made, so the JSON is stable.
type panelIDs struct{ next uint32 }

func (p *panelIDs) id() uint32 { p.next++; return p.next }

// timeSeries is a line chart of range queries.
func (p *panelIDs) timeSeries(title, desc, unit string, w uint32, qs ...q) *timeseries.PanelBuilder {
	return timeseries.NewPanelBuilder().
		Id(p.id()).
		Title(title).
		Description(desc).
		Datasource(ds()).
		Targets(targets(qs, false, "")).
		Unit(unit).
		Min(0).
		Span(w).
		Height(8).
		LineWidth(1).
		FillOpacity(10).
		ShowPoints(common.VisibilityModeNever).
		Legend(common.NewVizLegendOptionsBuilder().
			DisplayMode(common.LegendDisplayModeTable).
			Placement(common.LegendPlacementBottom).
			ShowLegend(true).
			Calcs([]string{"max", "lastNotNull"})).
		Tooltip(common.NewVizTooltipOptionsBuilder().
			Mode(common.TooltipDisplayModeMulti).
			Sort(common.SortOrderDescending))
}

// stat shows instant values, one per query and series, side by side.
func (p *panelIDs) stat(title, desc, unit string, w uint32, qs ...q) *stat.PanelBuilder {
	return stat.NewPanelBuilder().
		Id(p.id()).
		Title(title).
		Description(desc).
		Datasource(ds()).
		Targets(targets(qs, true, "")).
		Unit(unit).
		Span(w).
		Height(5).
		GraphMode(common.BigValueGraphModeNone).
		ColorMode(common.BigValueColorModeNone).
		TextMode(common.BigValueTextModeValueAndName).
		ReduceOptions(common.NewReduceDataOptionsBuilder().
			Calcs([]string{"lastNotNull"}).
			Values(false))
}

// barGauge shows instant values as horizontal bars.
func (p *panelIDs) barGauge(title, desc, unit string, w, h uint32, qs ...q) *bargauge.PanelBuilder {
	return bargauge.NewPanelBuilder().
		Id(p.id()).
		Title(title).
		Description(desc).
		Datasource(ds()).
		Targets(targets(qs, true, "")).
		Unit(unit).
		Min(0).
		Span(w).
		Height(h).
		Orientation(common.VizOrientationHorizontal).
		DisplayMode(common.BarGaugeDisplayModeBasic).
		ShowUnfilled(true).
		ReduceOptions(common.NewReduceDataOptionsBuilder().
			Calcs([]string{"lastNotNull"}).
			Values(false))
}

// table shows instant queries as a table of labels and values.
func (p *panelIDs) table(title, desc string, w, h uint32, qs ...q) *table.PanelBuilder {
	return table.NewPanelBuilder().
		Id(p.id()).
		Title(title).
		Description(desc).
		Datasource(ds()).
		Targets(targets(qs, true, prometheus.PromQueryFormatTable)).
		Span(w).
		Height(h).
		Footer(common.NewTableFooterOptionsBuilder().
			Show(false).
			Reducer([]string{"sum"})).
		WithTransformation(dashboard.DataTransformerConfig{
			Id: "organize",
			Options: map[string]any{
				"excludeByName": map[string]any{"Time": true, "__name__": true, "Value": true},
			},
		})
}

func (p *panelIDs) row(title string) *dashboard.RowBuilder {
	return dashboard.NewRowBuilder(title).Id(p.id())
}
