/** Dashboard words for disk use (the Ajustes page's panel) and media deleted by retention (Spanish). Merged into `dashboard.ts`. */
export const dashboardStorage = {
  'storage.title': 'Almacenamiento',
  'storage.hint': 'Espacio en disco por tipo de archivo. La retención borra los vídeos publicados, rechazados y repetidos, las evidencias y las subidas huérfanas según su antigüedad; las miniaturas y los datos se quedan.',
  'storage.kind.originals': 'Originales',
  'storage.kind.variants': 'Variantes por plataforma',
  'storage.kind.thumbnails': 'Miniaturas',
  'storage.kind.evidence': 'Evidencias de fallos',
  'storage.kind.incoming': 'Subidas en curso o huérfanas',
  'storage.kind.other': 'Otros (logotipos…)',
  'storage.database': 'Base de datos',
  'storage.files': '{n} archivos',
  'storage.free': 'Libre en disco: {free} de {total}',
  'storage.low': 'Queda menos espacio libre que el mínimo ({min}): las subidas se rechazan hasta liberar espacio.',
  'storage.partial': 'Recuento incompleto (demasiados archivos): las cifras son mínimos.',
  'storage.measuredAt': 'Medido: {time}',
  'storage.loadError': 'No se pudo medir el almacenamiento: {message}',

  'desk.media.deleted': 'Vídeo eliminado por retención',
  'desk.media.deletedOn': 'Vídeo eliminado por retención el {date}. Se conservan la miniatura y los datos del vídeo.',
};
