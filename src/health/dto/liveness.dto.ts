/** The process answers: nothing else is checked. */
export class LivenessDto {
  status!: 'ok';
  /** Seconds since the process started. */
  uptime_seconds!: number;
}
