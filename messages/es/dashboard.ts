/**
 * The dashboard's whole vocabulary, in Spanish (the product language, PRD): flat keys, `{name}` placeholders filled
 * by `translate()` in ui/src/lib/i18n.ts, which reads this file through the `$messages` alias. Pure: the UI bundles it.
 */
import type { EventKind } from '../../contracts/events.js';
import { dashboardModels } from './dashboard-models.js';
import { dashboardSetup } from './dashboard-setup.js';
import { dashboardOverview } from './dashboard-overview.js';
import { dashboardSecurity } from './dashboard-security.js';
import { dashboardDesk } from './dashboard-desk.js';
import { dashboardCalendar } from './dashboard-calendar.js';
import { dashboardAnalytics } from './dashboard-analytics.js';
import { dashboardRevenue } from './dashboard-revenue.js';
import { dashboardPublication } from './dashboard-publication.js';
import { dashboardWatermark } from './dashboard-watermark.js';
import { dashboardModeration } from './dashboard-moderation.js';
import { dashboardStorage } from './dashboard-storage.js';
import { dashboardStreams } from './dashboard-streams.js';
import { dashboardReposts } from './dashboard-reposts.js';
import { dashboardLearnedSlots } from './dashboard-learned-slots.js';
const base = {
  'brand': '100-Tráfico',
  'brand.tagline': 'Panel de tráfico',
  'nav.publications': 'Publicaciones',
  'nav.overview': 'Resumen',
  'nav.contents': 'Contenidos',
  'nav.calendar': 'Calendario',
  'nav.analytics': 'Analítica',
  'nav.moderation': 'Moderación',
  'nav.models': 'Modelos',
  'nav.platforms': 'Plataformas',
  'nav.events': 'Eventos',
  'nav.settings': 'Ajustes',
  'nav.accounts': 'Cuentas',
  'nav.main': 'Navegación principal',
  'lang.label': 'Idioma',
  'logout': 'Cerrar sesión',

  'login.title': 'Acceso de administración',
  'login.password': 'Contraseña',
  'login.submit': 'Entrar',
  'login.error': 'Contraseña incorrecta',

  'publications.title': 'Publicaciones',
  'publications.summary': 'Resumen por estado',
  'publications.filter': 'Filtrar por estado',
  'publications.empty': 'Todavía no hay publicaciones. Envía un vídeo por el bot o por la API.',
  'publications.emptyFiltered': 'No hay publicaciones con este estado.',
  'publications.loadError':
    'No se pudieron cargar las publicaciones. Comprueba que el servidor está en marcha y vuelve a intentarlo.',
  'publications.retry': 'Reintentar',
  'publications.count': '{n} publicaciones',

  'col.status': 'Estado',
  'col.model': 'Modelo',
  'col.platform': 'Plataforma',
  'col.account': 'Cuenta',
  'col.scheduled': 'Programada (UTC)',
  'col.published': 'Publicada (UTC)',
  'col.attempts': 'Intentos',
  'col.lastError': 'Último error',
  'col.links': 'Enlaces',
  'link.post': 'Ver publicación',
  'link.workflow': 'Workflow',
  'link.evidence': 'Evidencia',

  'evidence.title': 'Evidencia',
  'evidence.subtitle': 'Publicación {id}',
  'evidence.back': 'Volver a publicaciones',
  'evidence.empty': 'No hay evidencia guardada para esta publicación.',
  'evidence.loadError': 'No se pudo cargar la evidencia. Vuelve a intentarlo.',
  'evidence.attempt': 'Intento {n}',
  'evidence.capturedAt': 'Capturada (UTC)',
  'evidence.error': 'Error',
  'evidence.url': 'Página',
  'evidence.files': 'Archivos',
  'evidence.file.trace.zip': 'Traza de Playwright',
  'evidence.file.screenshot.png': 'Captura de pantalla',
  'evidence.file.page.html': 'HTML de la página (texto)',
  'evidence.file.info.json': 'Detalles (JSON)',
  'evidence.traceHint':
    'La traza se abre con «npx playwright show-trace trace.zip» o en trace.playwright.dev. Cookies y tokens están eliminados.',

  'accounts.title': 'Cuentas',
  'accounts.count': '{n} cuentas',
  'accounts.empty': 'Todavía no hay cuentas de plataforma.',
  'accounts.loadError':
    'No se pudieron cargar las cuentas. Comprueba que el servidor está en marcha y vuelve a intentarlo.',
  'accounts.col.session': 'Sesión · última comprobación (UTC)',
  'accounts.col.lastAuth': 'Última autenticación (UTC)',
  'accounts.col.actions': 'Acciones',
  'accounts.check': 'Comprobar sesión',
  'accounts.checking': 'Comprobando…',
  'accounts.checkResult': 'Comprobación: {state}.',
  'accounts.checkStatus': 'Estado de la cuenta: {status}.',
  'accounts.checkPending':
    'La comprobación sigue en curso (workflow {id}); recarga la página en un momento para ver el resultado.',
  'accounts.pause': 'Pausar',
  'accounts.resume': 'Reanudar',
  'accounts.paused': 'Cuenta pausada; publicaciones retenidas: {n}.',
  'accounts.resumed': 'Cuenta reanudada; publicaciones liberadas: {n}.',
  'accounts.link': 'Vincular sesión',
  'accounts.link.file': 'Archivo de sesión',
  'accounts.link.hint':
    'storageState de Playwright (JSON), exportación de cookies de una extensión del navegador (JSON) o cookies.txt (Netscape). Se guarda cifrado y se comprueba al momento.',
  'accounts.link.submit': 'Subir y comprobar',
  'accounts.link.uploading': 'Subiendo…',
  'accounts.link.noFile': 'Elige un archivo de sesión.',
  'accounts.link.result': 'Sesión importada: formato {format}, {n} cookies.',
  'accounts.link.warnings': 'Avisos',
  'accounts.link.checkError': 'La sesión quedó guardada, pero no se pudo comprobar: {message}',
  'accounts.login': 'Iniciar sesión con contraseña',
  'accounts.login.username': 'Usuario (opcional)',
  'accounts.login.password': 'Contraseña',
  'accounts.login.submit': 'Iniciar sesión',
  'accounts.login.running': 'Iniciando sesión…',
  'accounts.login.hint':
    'La contraseña solo se usa para este inicio de sesión: se guarda la sesión resultante, nunca la contraseña.',
  'accounts.profile': 'Perfil del navegador',
  'accounts.profile.locale': 'Idioma (locale)',
  'accounts.profile.timezone': 'Zona horaria',
  'accounts.profile.proxy': 'Proxy',
  'accounts.profile.proxyCurrent': 'Proxy actual',
  'accounts.profile.proxyNone': 'ninguno',
  'accounts.profile.proxyUnreadable': 'no se puede descifrar (su clave ya no está configurada, o fue alterado): vuelve a ponerlo',
  'accounts.profile.proxyHint': 'Vacío = mantener el actual. Puede llevar usuario y contraseña; se guarda cifrado.',
  'accounts.profile.proxyRemove': 'Quitar el proxy',
  'accounts.profile.proxyPlaceholder': 'http://usuario:contraseña@proxy:8080',
  'accounts.profile.defaultHint': 'Vacío = valor por defecto (idioma y zona horaria de la modelo).',
  'accounts.profile.submit': 'Guardar perfil',
  'accounts.profile.saving': 'Guardando…',
  'accounts.profile.saved': 'Perfil del navegador guardado.',
  'accounts.failed': '{action}: no se pudo. {message}',
  'accounts.unauthorized': 'Tu sesión del panel caducó.',
  'accounts.signIn': 'Vuelve a entrar',

  'accountStatus.active': 'Activa',
  'accountStatus.paused': 'Pausada',
  'accountStatus.session_expired': 'Sesión caducada',
  'accountStatus.disabled': 'Desactivada',

  'sessionState.logged_in': 'Sesión iniciada',
  'sessionState.logged_out': 'Sesión cerrada',
  'sessionState.challenge': 'Verificación requerida',
  'sessionState.unknown': 'Desconocido',
  'sessionState.pending': 'En curso',

  // Singular: one row's badge.
  'status.scheduled': 'Programada',
  'status.held': 'Retenida',
  'status.processing': 'Procesando',
  'status.published': 'Publicada',
  'status.failed': 'Fallida',
  'status.canceled': 'Cancelada',
  'status.unconfirmed': 'Sin confirmar',
  'status.published_as_draft': 'Borrador en la app',
  // Plural: summary cards and filter links.
  'statuses.all': 'Todas',
  'statuses.scheduled': 'Programadas',
  'statuses.held': 'Retenidas',
  'statuses.processing': 'Procesando',
  'statuses.published': 'Publicadas',
  'statuses.failed': 'Fallidas',
  'statuses.canceled': 'Canceladas',
  'statuses.unconfirmed': 'Sin confirmar',
  'statuses.published_as_draft': 'Borradores en la app',

  'error.title': 'Algo salió mal',
  'error.notFound': 'Página no encontrada',
  'error.back': 'Volver al inicio',
};

/** One flat vocabulary; each console concern keeps its words in its own file. */
export const dashboard = {
  ...base, ...dashboardModels, ...dashboardSetup, ...dashboardOverview, ...dashboardSecurity,
  ...dashboardDesk, ...dashboardCalendar, ...dashboardPublication, ...dashboardWatermark, ...dashboardModeration, ...dashboardAnalytics,
  ...dashboardStorage,
  ...dashboardStreams,
  ...dashboardRevenue,
  ...dashboardReposts,
  ...dashboardLearnedSlots,
};

/** Every key of the dashboard's vocabulary (the English dictionary must have them all). */
export type DashboardKey = keyof typeof dashboard;

/** Every event kind has its label (the audit page's filter and rows): a new kind without one fails the build. */
export const eventKindLabels: Record<`events.kind.${EventKind}`, string> = dashboard;
