import { useEffect, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { AdminStats, HourlyRow, HourlyStats } from '../../api/types.js';
import { count } from '../../lib/format.js';

const COLORS = { jwt: '#1f4fd1', oauth2: '#0f9d8a', total: '#8250df' };
const hourLabel = new Intl.DateTimeFormat(undefined, { hour: '2-digit', minute: '2-digit' });

interface SeriesSpec {
  label: string;
  color: string;
  values: number[];
  className: string;
}

/** Requests and active people per hour over the last 24 hours, and how people sign in. */
export function HourlyCharts({ hourly, stats }: { hourly: HourlyStats; stats: AdminStats | null }) {
  const hours = hourly.hours;
  const xs = hours.map((h) => Date.parse(h.hour) / 1000);
  return (
    <div class="charts">
      <Chart
        title="Requests per hour"
        xs={xs}
        hours={hours}
        series={[
          { label: 'API tokens (JWT)', color: COLORS.jwt, values: hours.map((h) => h.requests_jwt), className: 'swatch-jwt' },
          { label: 'Browser (OAuth2)', color: COLORS.oauth2, values: hours.map((h) => h.requests_oauth2), className: 'swatch-oauth2' },
        ]}
        summary={`${count(hourly.totals.requests)} requests in the last 24 hours`}
      />
      <Chart
        title="Active users per hour"
        xs={xs}
        hours={hours}
        series={[
          { label: 'Everyone', color: COLORS.total, values: hours.map((h) => h.active_users), className: 'swatch-both' },
          { label: 'With API tokens (JWT)', color: COLORS.jwt, values: hours.map((h) => h.active_users_jwt), className: 'swatch-jwt' },
          {
            label: 'In the browser (OAuth2)',
            color: COLORS.oauth2,
            values: hours.map((h) => h.active_users_oauth2),
            className: 'swatch-oauth2',
          },
        ]}
        summary={`at most ${count(Math.max(0, ...hours.map((h) => h.active_users)))} people in one hour`}
      />
      <MethodSplit hourly={hourly} stats={stats} />
    </div>
  );
}

function Chart({
  title,
  xs,
  hours,
  series,
  summary,
}: {
  title: string;
  xs: number[];
  hours: HourlyRow[];
  series: SeriesSpec[];
  summary: string;
}) {
  const box = useRef<HTMLDivElement>(null);
  useEffect(() => {
    const el = box.current;
    if (!el) return undefined;
    const size = () => ({ width: Math.max(240, el.clientWidth), height: 200 });
    const chart = new uPlot(
      {
        ...size(),
        legend: { show: false },
        cursor: { drag: { x: false, y: false } },
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(4, Math.ceil(max * 1.1))] } },
        axes: [
          {
            stroke: '#57606a',
            grid: { stroke: '#eaeef2' },
            ticks: { stroke: '#d0d7de' },
            // Hours in the viewer's own format and zone.
            values: (_u, splits) => splits.map((s) => hourLabel.format(s * 1000)),
          },
          { stroke: '#57606a', grid: { stroke: '#eaeef2' }, ticks: { stroke: '#d0d7de' }, size: 48 },
        ],
        series: [{}, ...series.map((s) => ({ label: s.label, stroke: s.color, width: 2, fill: `${s.color}22`, points: { show: false } }))],
      },
      [xs, ...series.map((s) => s.values)],
      el,
    );
    const observer = new ResizeObserver(() => chart.setSize(size()));
    observer.observe(el);
    return () => {
      observer.disconnect();
      chart.destroy();
    };
  }, [hours]);
  const id = title.toLowerCase().replace(/\W+/g, '-');
  return (
    <figure class="chart" aria-labelledby={`${id}-title`}>
      <h3 id={`${id}-title`}>{title}</h3>
      <div class="chart-canvas" ref={box} role="img" aria-label={`${title}: ${summary}. The table below has the numbers.`} />
      <ul class="legend">
        {series.map((s) => (
          <li key={s.label}>
            <span class={`swatch ${s.className}`} aria-hidden="true" />
            {s.label}
          </li>
        ))}
      </ul>
      <details class="json">
        <summary>Numbers per hour</summary>
        <div class="table-wrap scroll" role="region" aria-label={`${title}: the numbers`} tabIndex={0}>
          <table class="table">
            <thead>
              <tr>
                <th scope="col">Hour</th>
                {series.map((s) => (
                  <th scope="col" key={s.label} class="cell-num">
                    {s.label}
                  </th>
                ))}
              </tr>
            </thead>
            <tbody>
              {hours.map((h, i) => (
                <tr key={h.hour}>
                  <th scope="row">
                    {new Date(h.hour).toLocaleTimeString(undefined, { hour: '2-digit', minute: '2-digit', weekday: 'short' })}
                  </th>
                  {series.map((s) => (
                    <td key={s.label} class="cell-num">
                      {count(s.values[i])}
                    </td>
                  ))}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </details>
      <figcaption class="sr-only">{summary}</figcaption>
    </figure>
  );
}

/** Who signs in how (people), and which way the last day's requests came (requests). */
function MethodSplit({ hourly, stats }: { hourly: HourlyStats; stats: AdminStats | null }) {
  const byMethod = stats?.users_by_method;
  const both = byMethod?.both ?? 0;
  const people = byMethod ? [byMethod.jwt - both, both, byMethod.oauth2 - both] : null;
  const requests = [hourly.totals.requests_jwt, 0, hourly.totals.requests_oauth2];
  return (
    <figure class="chart" aria-labelledby="split-title">
      <h3 id="split-title">Auth methods</h3>
      {people && <SplitBar label="People" values={people} />}
      <SplitBar label="Requests, last 24 hours" values={requests} />
      <ul class="legend">
        <li>
          <span class="swatch swatch-jwt" aria-hidden="true" />
          API tokens (JWT)
        </li>
        <li>
          <span class="swatch swatch-both" aria-hidden="true" />
          Both
        </li>
        <li>
          <span class="swatch swatch-oauth2" aria-hidden="true" />
          Browser (OAuth2)
        </li>
      </ul>
    </figure>
  );
}

function SplitBar({ label, values }: { label: string; values: number[] }) {
  const [jwt, both, oauth2] = values.map((v) => Math.max(0, v));
  const total = jwt + both + oauth2;
  const share = (v: number) => (total === 0 ? 0 : (v / total) * 100);
  const text = `${label}: ${count(jwt)} API tokens only, ${count(both)} both, ${count(oauth2)} browser only`;
  return (
    <div class="split-row">
      <p class="split-label">
        {label}
        <span class="muted"> · {count(total)}</span>
      </p>
      <svg class="split" viewBox="0 0 100 6" preserveAspectRatio="none" role="img" aria-label={text}>
        <rect class="split-empty" x="0" y="0" width="100" height="6" />
        <rect class="split-jwt" x="0" y="0" width={share(jwt)} height="6" />
        <rect class="split-both" x={share(jwt)} y="0" width={share(both)} height="6" />
        <rect class="split-oauth2" x={share(jwt) + share(both)} y="0" width={share(oauth2)} height="6" />
      </svg>
      <p class="split-numbers muted">
        JWT {count(jwt)} · both {count(both)} · OAuth2 {count(oauth2)}
      </p>
    </div>
  );
}
