export class SessionEndedDto {
  session_id: string;
  /** Whose session it was. */
  email: string;
  ended: true;
}
