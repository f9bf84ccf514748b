//! Bar charts drawn on the server as SVG: geometry only here, the markup in `templates/chart.html`.
//! Each chart carries its title, a one-sentence description for screen readers and its data as
//! rows, which the page shows as a table beside it, so nothing depends on seeing the drawing.

/// One bar with its label and value as shown.
pub struct Bar {
    pub x: f64,
    pub y: f64,
    pub w: f64,
    pub h: f64,
    pub label: String,
    pub value: String,
    /// Where the label's centre is.
    pub mid: f64,
}

/// A horizontal line of the scale, with its value.
pub struct Tick {
    pub y: f64,
    pub label: String,
}

pub struct BarChart {
    pub id: String,
    pub title: String,
    pub desc: String,
    pub width: f64,
    pub height: f64,
    /// Bottom of the plot area (the baseline).
    pub base: f64,
    pub left: f64,
    pub right: f64,
    pub bars: Vec<Bar>,
    pub ticks: Vec<Tick>,
    /// The data: (label, value as shown).
    pub rows: Vec<(String, String)>,
    pub value_heading: String,
}

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 240.0;
const LEFT: f64 = 48.0;
const TOP: f64 = 16.0;
const BOTTOM: f64 = 40.0;

/// A bar chart of `points` (label, value or none), on a scale from 0 to `max` (at least the largest
/// value), with values shown by `show`.
pub fn bars(
    id: &str,
    title: String,
    desc: String,
    value_heading: String,
    points: &[(String, Option<f64>)],
    max: Option<f64>,
    show: impl Fn(f64) -> String,
) -> BarChart {
    let largest = points.iter().filter_map(|(_, v)| *v).fold(0.0_f64, f64::max);
    // A fixed top (a share's 100 %) is kept; counts get four whole steps.
    let top = match max {
        Some(m) => m.max(largest),
        None => 4.0 * whole_step(largest / 4.0),
    };
    let base = HEIGHT - BOTTOM;
    let plot_h = base - TOP;
    let slot = (WIDTH - LEFT - 8.0) / points.len().max(1) as f64;
    let w = (slot * 0.7).min(48.0);
    let bars = points
        .iter()
        .enumerate()
        .map(|(i, (label, v))| {
            let value = v.unwrap_or(0.0);
            let h = if top > 0.0 { value / top * plot_h } else { 0.0 };
            let mid = LEFT + slot * (i as f64 + 0.5);
            Bar { x: mid - w / 2.0, y: base - h, w, h, label: label.clone(), value: v.map_or("–".into(), &show), mid }
        })
        .collect();
    let ticks = (0..=4)
        .map(|k| {
            let v = top * k as f64 / 4.0;
            Tick { y: base - plot_h * k as f64 / 4.0, label: show(v) }
        })
        .collect();
    let rows = points.iter().map(|(l, v)| (l.clone(), v.map_or("–".into(), &show))).collect();
    BarChart {
        id: id.to_string(),
        title,
        desc,
        width: WIDTH,
        height: HEIGHT,
        base,
        left: LEFT,
        right: WIDTH - 8.0,
        bars,
        ticks,
        rows,
        value_heading,
    }
}

/// A whole, round step at or above `v` (1, 2, 3, 4, 5, 6 or 8 times a power of ten, at least 1),
/// so that every line of a count's scale is a whole number.
fn whole_step(v: f64) -> f64 {
    if v <= 1.0 {
        return 1.0;
    }
    let power = 10f64.powf(v.log10().floor());
    for step in [1.0, 2.0, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0] {
        if step * power >= v {
            return step * power;
        }
    }
    10.0 * power
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_scale_rounds_up_and_bars_stand_on_the_baseline() {
        assert_eq!(whole_step(7.0 / 4.0), 2.0);
        assert_eq!(whole_step(23.0 / 4.0), 6.0);
        assert_eq!(whole_step(0.0), 1.0);
        assert_eq!(whole_step(130.0), 200.0);
        let c =
            bars("c", "t".into(), "d".into(), "v".into(), &[("a".into(), Some(5.0)), ("b".into(), None)], None, |v| {
                format!("{v}")
            });
        assert_eq!(c.bars.len(), 2);
        assert!((c.bars[0].y + c.bars[0].h - c.base).abs() < 1e-9);
        assert_eq!(c.bars[1].h, 0.0);
        assert_eq!(c.rows[1].1, "–");
    }
}
